"""Time tracking added to a running platform learns ITSM's incidents through the real gateway, itsm and
time tracker (docs/timetracking.md, "Incidents from before the time tracker"): the incidents' events are
no longer in the ITSM stream, yet time is booked on them, a resolved one too, because the time tracker's
jobs asked itsm's `incident-states` role for every incident (two of them starting at once, once); what
changes afterwards arrives on its consumer, created at the stream's end."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import nats
import orjson
import pytest
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import DeliverPolicy

from helpdesk_common.contracts.incident_states import INCIDENT_STATES_SUBJECT
from helpdesk_common.testing.infrastructure import TestServers
from helpdesk_common.testing.plugin import TestDatabase
from tests.backbone.harness import eventually
from tests.journeys.stack import RunningStack
from tests.journeys.test_gateway_flags import operator_with
from tests.journeys.test_timetracking import fetch, time_tracker_added_later


@pytest.fixture
async def stack_before_time(
    servers: TestServers, database: TestDatabase, jetstream: JetStreamContext, tmp_path: Path
) -> AsyncIterator[RunningStack]:
    """Itsm whole, its incident-states role among its roles."""
    async with time_tracker_added_later(servers, database, tmp_path, "itsm") as running:
        yield running


async def test_a_time_tracker_added_later_books_time_on_incidents_whose_events_the_stream_no_longer_has(
    stack_before_time: RunningStack, jetstream: JetStreamContext, servers: TestServers
) -> None:
    stack = stack_before_time
    manager = await operator_with(stack, await stack.admin(), "incidents.view", "incidents.manage")
    incidents = [
        (await manager.post("/api/itsm/incidents", json={"title": f"Old {n}"})).json() for n in range(3)
    ]
    resolved = await manager.post(
        f"/api/itsm/incidents/{incidents[2]['id']}/resolve", json={"resolution_code": "resolved"}
    )
    assert resolved.status_code == 200, resolved.text

    async def all_published() -> bool:
        return not await fetch(stack, "SELECT 1 FROM itsm.outbox LIMIT 1")

    await eventually(all_published, within=60, what="itsm's relay to publish every event")
    # As two weeks of retention would have it: none of these incidents' events is in the stream any more.
    await jetstream.purge_stream("ITSM")
    assert (await jetstream.stream_info("ITSM")).state.messages == 0

    # Every request to itsm's role, seen beside it (a subscriber outside its queue group).
    spy = await nats.connect(servers.nats_url)
    requests: list[dict[str, Any]] = []

    async def seen(message: Msg) -> None:
        requests.append(orjson.loads(message.data or b"{}"))

    await spy.subscribe(INCIDENT_STATES_SUBJECT, cb=seen)
    await spy.flush()
    try:
        # Two replicas of the time tracker's jobs starting at once, and its consumers.
        await asyncio.gather(
            stack.start_worker("timetracking", "jobs", "timetracking-jobs-1"),
            stack.start_worker("timetracking", "jobs", "timetracking-jobs-2"),
            stack.start_worker("timetracking", "consumers", "timetracking-consumers"),
        )

        async def learnt() -> bool:
            return bool(await fetch(stack, "SELECT 1 FROM timetracking.incident_bootstrap"))

        await eventually(learnt, within=60, what="the time tracker to learn the incidents from itsm")
        (marker,) = await fetch(stack, "SELECT incidents FROM timetracking.incident_bootstrap")
        assert marker["incidents"] == 3
        await spy.flush()
        assert requests == [{}], "one of the two asked for every incident (the default scope), once"
    finally:
        await spy.close()

    day = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    hours = (("09:00", "10:00"), ("10:00", "10:30"), ("11:00", "12:00"))
    for incident, (start, end) in zip(incidents, hours, strict=True):
        booked = await manager.post(
            f"/api/time/incidents/{incident['id']}/entries", json={"date": day, "start": start, "end": end}
        )
        assert booked.status_code == 201, booked.text
    status = "SELECT status FROM timetracking.incidents WHERE id = $1"
    (kept,) = await fetch(stack, status, incidents[2]["id"])
    assert kept["status"] == "resolved"

    # What changes from now on arrives as an event, on the consumer created at the stream's end.
    acknowledged = await manager.post(f"/api/itsm/incidents/{incidents[0]['id']}/acknowledge", json={})
    assert acknowledged.status_code == 200, acknowledged.text

    async def followed() -> bool:
        return [row["status"] for row in await fetch(stack, status, incidents[0]["id"])] == ["acknowledged"]

    await eventually(followed, within=90, what="the acknowledgement to reach the time tracker")
    consumer = await jetstream.consumer_info("ITSM", "timetracking-incidents")
    assert consumer.config.deliver_policy == DeliverPolicy.NEW
