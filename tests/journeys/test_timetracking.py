"""Time tracking added to a running platform, through the real gateway, ticketing and time tracker
(docs/timetracking.md, "Tickets from before the time tracker"): neither the tickets' events nor the
departments' and the settings' are in their streams any more, yet the module is on, a department's
time settings are readable, and time is booked on the old tickets, closed ones too, because the time
tracker asked ticketing's `ticket-states` role for every ticket, department and the settings; two time
trackers starting at once ask once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import nats
import orjson
import pytest
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import DeliverPolicy

from helpdesk_common.contracts.ticket_states import (
    DEPARTMENT_STATES_SUBJECT,
    SETTINGS_STATE_SUBJECT,
    TICKET_STATES_SUBJECT,
)
from helpdesk_common.testing.infrastructure import TestServers
from helpdesk_common.testing.plugin import TestDatabase
from tests.backbone.harness import eventually
from tests.journeys.stack import RunningStack, start_stack


@asynccontextmanager
async def time_tracker_added_later(
    servers: TestServers, database: TestDatabase, log_dir: Path, owner: str
) -> AsyncIterator[RunningStack]:
    """The owner of the states (ticketing, itsm) whole; of the time tracker only its api, so that
    nothing of it follows a stream yet (its jobs and consumers come from `start_worker`)."""
    running = await start_stack(
        servers,
        database,
        log_dir,
        upstreams=(owner, "timetracking"),
        roles={"timetracking": ("api",)},
        service_env={"HELPDESK_TIMETRACKING_BOOTSTRAP_RETRY_SECONDS": "0.5"},
    )
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
async def stack_before_time(
    servers: TestServers, database: TestDatabase, jetstream: JetStreamContext, tmp_path: Path
) -> AsyncIterator[RunningStack]:
    async with time_tracker_added_later(servers, database, tmp_path, "ticketing") as running:
        yield running


async def fetch(stack: RunningStack, query: str, *arguments: Any) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(stack.database.url)
    try:
        return list(await connection.fetch(query, *arguments))
    finally:
        await connection.close()


async def test_a_time_tracker_added_later_books_time_on_tickets_whose_events_the_stream_no_longer_has(
    stack_before_time: RunningStack, jetstream: JetStreamContext, servers: TestServers
) -> None:
    stack = stack_before_time
    admin = await stack.admin()
    settings = await admin.put(
        "/api/tickets/settings",
        json={"ticket_system_enabled": True, "ticket_number_prefix": "TKT", "blocked_extensions": []},
    )
    assert settings.status_code == 200, settings.text
    desk = await admin.post("/api/tickets/departments", json={"name": "Desk"})
    assert desk.status_code == 201, desk.text
    body = {"department_id": desk.json()["id"]}
    tickets = [
        (await admin.post("/api/tickets", json={"title": f"Old {n}", **body})).json() for n in range(3)
    ]
    closed = await admin.patch(f"/api/tickets/{tickets[2]['number']}", json={"status": "closed"})
    assert closed.status_code == 200, closed.text

    async def all_published() -> bool:
        return not await fetch(stack, "SELECT 1 FROM ticketing.outbox LIMIT 1")

    await eventually(all_published, within=60, what="ticketing's relay to publish every event")
    # As two weeks of retention would have it: none of these tickets' events is in the stream any more,
    # nor the department's and the settings' (the module switched on, the department created).
    for stream in ("TICKET_EVENTS", "TICKETING"):
        await jetstream.purge_stream(stream)
        assert (await jetstream.stream_info(stream)).state.messages == 0

    # Every request to ticketing's role, by subject, seen beside it (a subscriber outside its queue group).
    spy = await nats.connect(servers.nats_url)
    requests: dict[str, list[dict[str, Any]]] = {}

    async def seen(message: Msg) -> None:
        requests.setdefault(message.subject, []).append(orjson.loads(message.data or b"{}"))

    for subject in (TICKET_STATES_SUBJECT, DEPARTMENT_STATES_SUBJECT, SETTINGS_STATE_SUBJECT):
        await spy.subscribe(subject, cb=seen)
    await spy.flush()
    try:
        # Two replicas of the time tracker starting at once, and its consumers.
        await asyncio.gather(
            stack.start_worker("timetracking", "jobs", "timetracking-jobs-1"),
            stack.start_worker("timetracking", "jobs", "timetracking-jobs-2"),
            stack.start_worker("timetracking", "consumers", "timetracking-consumers"),
        )

        async def learnt() -> bool:
            tickets = await fetch(stack, "SELECT 1 FROM timetracking.ticket_bootstrap")
            records = await fetch(stack, "SELECT 1 FROM timetracking.records_bootstrap")
            return bool(tickets and records)

        await eventually(
            learnt, within=60, what="the time tracker to learn tickets and records from ticketing"
        )
        (marker,) = await fetch(stack, "SELECT tickets FROM timetracking.ticket_bootstrap")
        assert marker["tickets"] == 3
        (records,) = await fetch(stack, "SELECT departments FROM timetracking.records_bootstrap")
        assert records["departments"] == 1
        await spy.flush()
        assert [r for r in requests[TICKET_STATES_SUBJECT] if "after" not in r] == [{"scope": "all"}], (
            "one of the two asked for every ticket, once"
        )
        assert requests[DEPARTMENT_STATES_SUBJECT] == [{}], "one of the two asked for the departments, once"
        assert requests[SETTINGS_STATE_SUBJECT] == [{}], "one of the two asked for the settings, once"
    finally:
        await spy.close()

    # The module is on and the department known, though TICKETING no longer has a word of either (the
    # process caches the switch for a second).
    time_settings = f"/api/time/departments/{desk.json()['id']}/time-tracking"

    async def readable() -> bool:
        return (await admin.get(time_settings)).status_code == 200

    await eventually(readable, within=10, what="the department's time settings to be readable")

    day = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    booked: dict[str, Any] = {}

    async def booked_on(ticket: dict[str, Any], start: str, end: str) -> bool:
        answer = await admin.post(
            f"/api/time/tickets/{ticket['id']}/entries", json={"date": day, "start": start, "end": end}
        )
        booked[ticket["id"]] = answer.json()
        return answer.status_code == 201

    await eventually(
        lambda: booked_on(tickets[0], "09:00", "10:00"), within=60, what="a booking on an old ticket"
    )
    assert await booked_on(tickets[2], "10:00", "10:30"), booked[tickets[2]["id"]]
    entries = (await admin.get(f"/api/time/tickets/{tickets[0]['id']}/entries")).json()
    assert [e["id"] for e in entries["entries"]] == [booked[tickets[0]["id"]]["id"]]

    # What changes from now on arrives as an event, on the consumer created at the stream's end.
    renamed = await admin.patch(f"/api/tickets/{tickets[1]['number']}", json={"title": "Renamed"})
    assert renamed.status_code == 200, renamed.text

    async def followed() -> bool:
        rows = await fetch(
            stack, "SELECT title FROM timetracking.tickets WHERE number = $1", tickets[1]["number"]
        )
        return [row["title"] for row in rows] == ["Renamed"]

    await eventually(followed, within=90, what="the rename to reach the time tracker")
    consumer = await jetstream.consumer_info("TICKET_EVENTS", "timetracking-tickets")
    assert consumer.config.deliver_policy == DeliverPolicy.NEW

    # And a department's change from now on arrives on its consumer, newer than the state learnt.
    moved = await admin.patch(f"/api/tickets/departments/{desk.json()['id']}", json={"name": "Front desk"})
    assert moved.status_code == 200, moved.text

    async def renamed_department() -> bool:
        rows = await fetch(
            stack, "SELECT name FROM timetracking.departments WHERE id = $1", desk.json()["id"]
        )
        return [row["name"] for row in rows] == ["Front desk"]

    await eventually(renamed_department, within=90, what="the department's rename to reach the time tracker")
