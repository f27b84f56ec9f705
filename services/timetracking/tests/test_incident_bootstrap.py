"""The incidents time tracking learns from ITSM's incident states (incident_bootstrap.py), on real NATS
and PostgreSQL with a stand-in for itsm's `incident-states` role (helpdesk_common/testing/
incident_states.py): a snapshot joins the projection under the events' rule (the newer wins), and two
time trackers starting at once, with an empty copy, ask for every incident, closed ones too, once,
after creating their consumer at the stream's end. Itsm's own answer is
services/itsm/tests/test_incident_states.py's."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from nats.js import JetStreamContext
from nats.js.api import DeliverPolicy

from helpdesk_common.contracts.incident_states import IncidentState
from helpdesk_common.contracts.itsm import IncidentChangeData, IncidentSnapshot, IncidentUpdated
from helpdesk_common.db import create_engine, create_session_factory
from helpdesk_common.service import ServiceRuntime
from helpdesk_common.testing.incident_states import (
    consumer_noted,
    incident_snapshot,
    incident_states,
    itsm_answering,
)
from timetracking.config import TimetrackingSettings
from timetracking.incident_bootstrap import incidents_bootstrap, learn_incidents_job
from timetracking.incident_events import apply_incident_events, apply_incident_state, incidents_consumer
from timetracking.main import service

MANAGE = "incidents.manage"


async def learnt(desk: Any, *snapshots: IncidentSnapshot) -> None:
    async with desk.app.sessions() as session, session.begin():
        for snapshot in snapshots:
            await apply_incident_state(session, IncidentState(incident=snapshot))


async def title_of(desk: Any, incident: IncidentSnapshot) -> str:
    (row,) = await desk.sql("SELECT title FROM incidents WHERE id = :id", id=incident.id)
    return str(row.title)


async def book(desk: Any, incident: IncidentSnapshot, expect: int = 201) -> None:
    ada = desk.person("ada", MANAGE)
    answer = await desk.client.post(
        f"/incidents/{incident.id}/entries",
        json={"date": "2026-03-10", "start": "06:00", "end": "07:00"},
        headers=ada.headers,
    )
    assert answer.status_code == expect, answer.text


async def test_a_snapshot_joins_the_incidents_under_the_events_rule_the_newer_wins(desk: Any) -> None:
    unknown = incident_snapshot("INC-000001", status="closed")
    await book(desk, unknown, expect=404)
    await learnt(desk, unknown)
    await book(desk, unknown)

    # An event already applied is newer than a snapshot read before it: the snapshot changes nothing.
    incident = incident_snapshot("INC-000002", title="Database fixed")
    updated = IncidentUpdated.build(
        source="itsm", subject=str(incident.id), data=IncidentChangeData(incident=incident)
    )
    await desk.apply(lambda session, event: apply_incident_events(session, [event]), updated)
    stale = incident.model_copy(update={"title": "An older title"})
    await learnt(desk, stale.model_copy(update={"updated_at": updated.time - timedelta(seconds=1)}))
    assert await title_of(desk, incident) == "Database fixed"
    await learnt(desk, stale.model_copy(update={"updated_at": updated.time + timedelta(seconds=1)}))
    assert await title_of(desk, incident) == "An older title"


@asynccontextmanager
async def time_tracker(desk: Any) -> AsyncIterator[ServiceRuntime]:
    """What a jobs process of its own has: its own connections to the same database."""
    url = desk.database.url_for(service)
    settings = TimetrackingSettings(
        database_url=url, nats_url=desk.servers.nats_url, timetracking_bootstrap_retry_seconds=0.1
    )
    engine = create_engine(url, schema=service.schema, pool_size=2)
    try:
        yield ServiceRuntime(settings, engine, create_session_factory(engine))
    finally:
        await engine.dispose()


async def test_two_time_trackers_with_an_empty_copy_learn_every_incident_once_after_making_their_consumer(
    desk: Any, jetstream: JetStreamContext
) -> None:
    assert learn_incidents_job in service.jobs
    old = [
        incident_snapshot("INC-000001"),
        incident_snapshot("INC-000002", status="closed"),
        incident_snapshot("INC-000003", status="resolved"),
    ]
    # Two incidents a page, so that learning takes several requests.
    bootstrap = dataclasses.replace(incidents_bootstrap, page_size=2)
    stop = asyncio.Event()
    noted = consumer_noted(jetstream, incidents_consumer.spec.durable)
    async with (
        itsm_answering(desk.servers.nats_url, incident_states(*old), note=noted, delay=0.3) as requests,
        time_tracker(desk) as first,
        time_tracker(desk) as second,
    ):
        await asyncio.wait_for(
            asyncio.gather(
                bootstrap.keep_trying(first, stop, retry_seconds=0.1),
                bootstrap.keep_trying(second, stop, retry_seconds=0.1),
            ),
            timeout=30,
        )
        assert [r for r in requests if "after" not in r] == [
            {"limit": 2, "consumer_deliver_policy": DeliverPolicy.NEW}
        ], "one of the two asked, once, for every incident (the default scope), after its consumer existed"
        assert len(requests) == 2
        (marker,) = await desk.sql("SELECT id, incidents FROM incident_bootstrap")
        assert tuple(marker) == (1, 3)
        rows = await desk.sql("SELECT id, status FROM incidents")
        assert {(row.id, row.status) for row in rows} == {(i.id, i.status) for i in old}

        # Time is booked on the closed one too; the jobs role's next start finds the mark and asks nothing.
        await book(desk, old[1])
        async with time_tracker(desk) as third:
            await asyncio.wait_for(learn_incidents_job(third, stop), timeout=5)
        assert len(requests) == 2
