"""Live updates end to end: the real gateway streams the notifier's event stream (no buffering, no read
timeout) while a ticket is created and answered through ticketing, and resumes it with Last-Event-ID."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import orjson
import pytest

from helpdesk_common.testing.infrastructure import TestServers
from helpdesk_common.testing.plugin import TestDatabase
from tests.backbone.harness import eventually
from tests.journeys.stack import PASSWORD, RunningStack, start_stack

WAIT = 15.0


@pytest.fixture
async def stack_with_notifier(
    servers: TestServers, database: TestDatabase, jetstream: object, tmp_path: Path
) -> AsyncIterator[RunningStack]:
    # Heartbeats more often than the gateway's read timeout would allow for a normal answer.
    running = await start_stack(
        servers,
        database,
        tmp_path,
        upstreams=("ticketing", "notifier"),
        service_env={"HELPDESK_LIVE_HEARTBEAT_SECONDS": "0.5"},
    )
    try:
        yield running
    finally:
        running.stop()


async def _events(lines: AsyncIterator[str]) -> AsyncIterator[tuple[str, dict[str, object], int | None]]:
    kind, data, event_id = "message", "", None
    async for line in lines:
        if line == "":
            if data:
                yield kind, orjson.loads(data), event_id
            kind, data, event_id = "message", "", None
        elif line.startswith("event: "):
            kind = line[7:]
        elif line.startswith("data: "):
            data += line[6:]
        elif line.startswith("id: "):
            event_id = int(line[4:])


async def _next_ticket_event(
    events: AsyncIterator[tuple[str, dict[str, object], int | None]],
) -> tuple[str, dict[str, object], int]:
    async def search() -> tuple[str, dict[str, object], int]:
        async for kind, data, event_id in events:
            if event_id is not None:
                return kind, data, event_id
        raise EOFError("the stream ended")

    return await asyncio.wait_for(search(), WAIT)


async def test_a_ticket_and_its_reply_arrive_on_the_stream_through_the_gateway(
    stack_with_notifier: RunningStack,
) -> None:
    stack = stack_with_notifier
    admin = await stack.admin()
    await admin.put(
        "/api/tickets/settings",
        json={"ticket_system_enabled": True, "ticket_number_prefix": "TKT", "blocked_extensions": []},
    )

    async def enabled() -> bool:
        # Ticketing's switch, and the notifier's copy of it (its projection follows the event).
        labels = await admin.get("/api/tickets/labels")
        return (
            labels.status_code == 200
            and (await admin.get("/api/notifications/live/unread")).status_code == 200
        )

    await eventually(enabled, within=WAIT, what="the Ticket System switch")
    async with admin.stream("GET", "/api/notifications/live", timeout=None) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = _events(response.aiter_lines())
        kind, _, _ = await asyncio.wait_for(anext(events), WAIT)
        assert kind == "unread"
        created = await admin.post("/api/tickets", json={"title": "Live from the gateway"})
        assert created.status_code == 201, created.text
        ticket = created.json()
        kind, data, created_id = await _next_ticket_event(events)
        assert kind == "ticket_created"
        assert data["ticket"]["number"] == ticket["number"]  # type: ignore[index]
        # A pause longer than a normal answer may take at the gateway: the stream stays open.
        await asyncio.sleep(2)
    # Meanwhile an answer is written; the reconnect resumes from the last id it saw.
    reply = await admin.post(
        f"/api/tickets/{ticket['number']}/comments", json={"body": "<p>On it</p>", "direction": "internal"}
    )
    assert reply.status_code in (200, 201), reply.text
    headers = {"Last-Event-ID": str(created_id)}
    async with admin.stream("GET", "/api/notifications/live", headers=headers, timeout=None) as response:
        events = _events(response.aiter_lines())
        kind, data, resumed_id = await _next_ticket_event(events)
    assert kind == "comment_added"
    assert resumed_id > created_id
    assert data["comment"]["direction"] == "internal"  # type: ignore[index]


async def test_an_operator_of_one_department_hears_of_its_tickets_only(
    stack_with_notifier: RunningStack,
) -> None:
    """Visibility from the gateway's own token: the departments ticketing's memberships say."""
    stack = stack_with_notifier
    admin = await stack.admin()
    await admin.put(
        "/api/tickets/settings",
        json={"ticket_system_enabled": True, "ticket_number_prefix": "TKT", "blocked_extensions": []},
    )

    async def enabled() -> bool:
        # Ticketing's switch, and the notifier's copy of it (its projection follows the event).
        labels = await admin.get("/api/tickets/labels")
        return (
            labels.status_code == 200
            and (await admin.get("/api/notifications/live/unread")).status_code == 200
        )

    await eventually(enabled, within=WAIT, what="the Ticket System switch")
    theirs = (await admin.post("/api/tickets/departments", json={"name": "Support"})).json()
    other = (await admin.post("/api/tickets/departments", json={"name": "Billing"})).json()
    username = f"op{uuid.uuid4().hex[:8]}"
    created = await admin.post(
        "/api/operators",
        json={
            "username": username,
            "email": f"{username}@example.com",
            "display_name": username,
            "password": PASSWORD,
            "flags": ["tickets_enabled"],
        },
    )
    assert created.status_code == 201, created.text

    async def member() -> bool:
        answer = await admin.patch(
            f"/api/tickets/departments/{theirs['id']}", json={"member_ids": [created.json()["id"]]}
        )
        return answer.status_code == 200

    await eventually(member, within=WAIT, what="ticketing to know the operator")
    operator = await stack.bearer(username)
    probe = await admin.post("/api/tickets", json={"title": "Probe", "department_id": theirs["id"]})

    async def sees_department() -> bool:
        queue = (await operator.get("/api/tickets", params={"tab": "all"})).json()
        return any(row["number"] == probe.json()["number"] for row in queue.get("rows", []))

    await eventually(sees_department, within=WAIT, what="the operator's token to name the department")
    async with operator.stream("GET", "/api/notifications/live", timeout=None) as response:
        events = _events(response.aiter_lines())
        await asyncio.wait_for(anext(events), WAIT)
        hidden = await admin.post("/api/tickets", json={"title": "Elsewhere", "department_id": other["id"]})
        shown = await admin.post("/api/tickets", json={"title": "Ours", "department_id": theirs["id"]})
        assert hidden.status_code == shown.status_code == 201
        kind, data, _ = await _next_ticket_event(events)
    assert kind == "ticket_created"
    assert data["ticket"]["number"] == shown.json()["number"]  # type: ignore[index]
