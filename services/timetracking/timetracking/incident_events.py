"""The consumer that keeps `incidents` from the ITSM stream, through the inbox: each incident's number,
title and status, the newest by the event's time (events of one incident may arrive out of order). A
run of events is one statement: an alert storm is mostly `incident_updated` events of a few incidents.
It reads the stream from its start; ITSM answers no states yet, so a time tracker that starts empty
does not know an incident last changed before the stream's 14 days (docs/timetracking.md,
"Incidents")."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.bus.consumer import EventConsumer
from helpdesk_common.bus.topology import ConsumerSpec, declare_consumer
from helpdesk_common.contracts.itsm import INCIDENT_EVENTS
from timetracking.tables import incidents

incidents_consumer = EventConsumer(
    declare_consumer(
        ConsumerSpec(
            durable="timetracking-incidents",
            stream="ITSM",
            filter_subject="itsm.incident.>",
            description="Incidents' numbers, titles and statuses, which time is booked on.",
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
    rows = [
        {
            "id": event.data.incident.id,
            "number": event.data.incident.number,
            "title": event.data.incident.title,
            "status": event.data.incident.status,
            "changed_at": event.time,
        }
        for event in newest.values()
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
