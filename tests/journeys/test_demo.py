"""`helpdesk demo` (issue 5, item 11) against a real gateway, ticketing and SLA engine: the queue it
leaves behind is a living helpdesk, made through the public API only."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from helpdesk_cli.demo import STATUSES, fill
from helpdesk_common.testing.infrastructure import TestServers
from helpdesk_common.testing.plugin import TestDatabase
from tests.backbone.harness import eventually
from tests.journeys.stack import RunningStack, start_stack

TICKETS = 2 * len(STATUSES)


@pytest.fixture
async def stack(
    servers: TestServers, database: TestDatabase, jetstream: object, tmp_path: Path
) -> AsyncIterator[RunningStack]:
    running = await start_stack(servers, database, tmp_path, upstreams=("ticketing", "sla-engine"))
    try:
        yield running
    finally:
        running.stop()


async def test_the_demo_fills_departments_customers_with_slas_contacts_and_a_queue_in_every_status(
    stack: RunningStack,
) -> None:
    said: list[str] = []
    username = await fill(stack.api, stack.database.url, tickets=TICKETS, say=said.append)
    assert any(username in line for line in said), "the demo tells its administrator's sign-in"
    admin = await stack.admin()

    departments = (await admin.get("/api/tickets/departments")).json()
    assert len(departments) == 3 and all(d["members"] for d in departments), departments
    customers = {c["ticket_number_prefix"]: c for c in (await admin.get("/api/tickets/customers")).json()}
    assert set(customers) == {"ACME", "GLX", None}
    assert customers["ACME"]["sla_id"] and customers["GLX"]["sla_id"], "customers carry SLAs"
    slas = {s["id"] for s in (await admin.get("/api/sla/definitions")).json()}
    assert {customers["ACME"]["sla_id"], customers["GLX"]["sla_id"]} <= slas
    contacts = (await admin.get("/api/tickets/contacts", params={"limit": "100"})).json()
    assert len(contacts) == 10 and all(c["customer_id"] for c in contacts)

    queue = (await admin.get("/api/tickets", params={"tab": "all", "limit": "100"})).json()
    assert queue["counts"]["all"] == TICKETS
    assert all(queue["counts"][status] > 0 for status in set(STATUSES)), queue["counts"]
    numbers = [row["number"] for row in queue["rows"]]
    assert any(re.fullmatch(r"(ACME|GLX)-\d+", n) for n in numbers), "customers' prefixes number tickets"
    assert any(re.fullmatch(r"TKT-\d+", n) for n in numbers), "the global prefix numbers the rest"

    conversations = [(await admin.get(f"/api/tickets/{n}/comments")).json() for n in numbers]
    assert all(c and c[0]["direction"] == "outbound" for c in conversations), "a description each"
    assert any(len(c) > 1 for c in conversations), "some tickets have a conversation"
    histories = [(await admin.get(f"/api/tickets/{n}/history")).json() for n in numbers]
    assert any({e["field"] for e in h} >= {"created", "status"} for h in histories), "status changes kept"

    under_sla = [row["number"] for row in queue["rows"] if re.fullmatch(r"(ACME|GLX)-\d+", row["number"])]

    async def deadlines_arrived() -> bool:
        ticket = (await admin.get(f"/api/tickets/{under_sla[0]}")).json()
        return ticket["sla"]["state"] != "none"

    await eventually(deadlines_arrived, within=60, what="the SLA engine's deadlines on a demo ticket")
