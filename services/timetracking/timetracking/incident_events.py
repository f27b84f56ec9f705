"""The consumer that keeps `incidents` from the ITSM stream, through the inbox: each incident's number,
title and status, the newest by the event's time (events of one incident may arrive out of order). A
run of events is one statement: an alert storm is mostly `incident_updated` events of a few incidents.
The incidents from before the consumer existed come from ITSM's incident states (incident_bootstrap.py),
each snapshot under the same rule, timed by its `updated_at`: one older than an event already applied
changes nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.bus.consumer import EventConsumer
from helpdesk_common.bus.topology import ConsumerSpec, declare_consumer
from helpdesk_common.contracts.incident_states import IncidentState
from helpdesk_common.contracts.itsm import INCIDENT_EVENTS, IncidentSnapshot
from timetracking.tables import incidents

incidents_consumer = EventConsumer(
    declare_consumer(
        ConsumerSpec(
            durable="timetracking-incidents",
            stream="ITSM",
            filter_subject="itsm.incident.>",
            description="Incidents' numbers, titles and statuses, which time is booked on.",
            # The incidents before it came into being come from ITSM's states (incident_bootstrap.py).
            deliver_new=True,
        )
    )
)


async def apply_incident_events(session: AsyncSession, events: list[Any]) -> None:
    # One row per incident in a statement (PostgreSQL refuses to update a row twice in one): its newest
    # event of the run, the later one of two at the same time, as the `<=` below decides between runs.
    newest: dict[Any, Any] = {}
    for event in events:
        incident_id = event.data.incident.id
        if incident_id not in newest or newest[incident_id].time <= event.time:
            newest[incident_id] = event
    await _keep(session, [(event.data.incident, event.time) for event in newest.values()])


async def apply_incident_state(session: AsyncSession, state: IncidentState) -> None:
    await _keep(session, [(state.incident, state.incident.updated_at)])


async def _keep(session: AsyncSession, changed: list[tuple[IncidentSnapshot, datetime]]) -> None:
    """Each incident as of when it changed, unless what is kept changed later."""
    rows = [
        {
            "id": incident.id,
            "number": incident.number,
            "title": incident.title,
            "status": incident.status,
            "changed_at": changed_at,
        }
        for incident, changed_at in changed
    ]
    new = insert(incidents).values(rows)
    await session.execute(
        new.on_conflict_do_update(
            index_elements=["id"],
            set_={column: new.excluded[column] for column in ("number", "title", "status", "changed_at")},
            where=incidents.c.changed_at <= new.excluded.changed_at,
        )
    )


for _contract in INCIDENT_EVENTS:
    incidents_consumer.on_batch(_contract)(apply_incident_events)
