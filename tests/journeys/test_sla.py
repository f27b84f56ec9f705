"""SLAs through the real gateway, SLA engine and ticketing: an operator with tickets_manage_sla makes
an SLA at /api/sla/definitions, it reaches ticketing over the bus and is attached to a customer, and a
ticket for the customer's contact gets its deadlines from the engine."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import asyncpg
from nats.js import JetStreamContext

from tests.backbone.harness import eventually
from tests.journeys.stack import RunningStack
from tests.journeys.test_gateway_flags import operator_with


async def test_an_sla_made_through_the_gateway_gives_a_customers_ticket_its_deadlines(
    stack_with_sla: RunningStack,
) -> None:
    admin = await stack_with_sla.admin()
    settings = await admin.put(
        "/api/tickets/settings",
        json={"ticket_system_enabled": True, "ticket_number_prefix": "TKT", "blocked_extensions": []},
    )
    assert settings.status_code == 200, settings.text
    manager = await operator_with(stack_with_sla, admin, "tickets_enabled", "tickets_manage_sla")
    stranger = await operator_with(stack_with_sla, admin, "tickets_enabled")

    async def switch_reached_the_engine() -> bool:
        # ticketing announces the module switch with ticket_settings_changed.
        return (await manager.get("/api/sla/definitions")).status_code == 200

    await eventually(switch_reached_the_engine, within=60, what="the module switch to reach the SLA engine")
    gold = {"name": "Gold", "response_hours": 4, "resolution_hours": 24, "priority_override": "high"}
    refused = await stranger.post("/api/sla/definitions", json=gold)
    assert refused.status_code == 403 and refused.json()["flag"] == "tickets_manage_sla", refused.text
    created = await manager.post("/api/sla/definitions", json=gold)
    assert created.status_code == 201, created.text
    sla_id = created.json()["id"]
    assert [row["name"] for row in (await manager.get("/api/sla/definitions")).json()] == ["Gold"]

    customer: dict[str, str] = {}

    async def customer_with_the_sla() -> bool:
        # The SLA reaches ticketing's projection as sla_definition_upserted.
        response = await admin.post("/api/tickets/customers", json={"company_name": "Acme", "sla_id": sla_id})
        customer.update(response.json() if response.status_code == 201 else {})
        return response.status_code == 201

    await eventually(customer_with_the_sla, within=60, what="the SLA to reach ticketing")
    contact = await admin.post(
        "/api/tickets/contacts", json={"email": "wile@acme.example", "customer_id": customer["id"]}
    )
    assert contact.status_code == 201, contact.text
    ticket = (
        await admin.post("/api/tickets", json={"title": "Anvil", "contact_email": "wile@acme.example"})
    ).json()
    assert ticket["sla"]["sla_id"] == sla_id
    created_at = datetime.fromisoformat(ticket["created_at"])

    async def engine_timer() -> list[asyncpg.Record]:
        connection = await asyncpg.connect(stack_with_sla.database.url)
        try:
            return list(
                await connection.fetch(
                    "SELECT response_due_at, resolution_due_at FROM sla.ticket_timers WHERE ticket_id = $1",
                    uuid.UUID(ticket["id"]),
                )
            )
        finally:
            await connection.close()

    async def deadlines_applied() -> bool:
        detail = (await admin.get(f"/api/tickets/{ticket['number']}")).json()["sla"]
        return bool(await engine_timer()) and detail["response_due_at"] is not None

    # Two hops (ticketing to the engine, the engine back): each may wait out one ack wait (30 s) when a
    # message is caught by a pull request the consumer already gave up on.
    await eventually(deadlines_applied, within=90, what="the engine's deadlines on the ticket")
    detail = (await admin.get(f"/api/tickets/{ticket['number']}")).json()["sla"]
    assert datetime.fromisoformat(detail["response_due_at"]) == created_at + timedelta(hours=4)
    assert datetime.fromisoformat(detail["resolution_due_at"]) == created_at + timedelta(hours=24)
    assert detail["state"] == "ok"
    timer = (await engine_timer())[0]
    assert (timer["response_due_at"], timer["resolution_due_at"]) == (
        created_at + timedelta(hours=4),
        created_at + timedelta(hours=24),
    )
    queue = (await admin.get("/api/tickets", params={"tab": "all"})).json()
    assert [row["sla_state"] for row in queue["rows"] if row["number"] == ticket["number"]] == ["ok"]


async def test_a_new_engine_learns_its_timers_from_ticketing_without_replaying_the_events(
    stack_with_sla: RunningStack, jetstream: JetStreamContext
) -> None:
    """A first deploy and a lost database at once (docs/sla.md, "How a new engine starts"): no timers,
    no durable consumer; the engine asks ticketing for the tickets as they are now."""
    admin = await stack_with_sla.admin()
    settings = await admin.put(
        "/api/tickets/settings",
        json={"ticket_system_enabled": True, "ticket_number_prefix": "TKT", "blocked_extensions": []},
    )
    assert settings.status_code == 200, settings.text

    made: dict[str, Any] = {}

    async def sla_created() -> bool:
        answer = await admin.post("/api/sla/definitions", json={"name": "Silver", "response_hours": 8})
        made["sla"] = answer.json()
        return answer.status_code == 201

    await eventually(sla_created, within=60, what="the module switch to reach the SLA engine")

    async def customer_created() -> bool:
        body = {"company_name": "Acme", "sla_id": made["sla"]["id"]}
        answer = await admin.post("/api/tickets/customers", json=body)
        made["customer"] = answer.json()
        return answer.status_code == 201

    await eventually(customer_created, within=60, what="the SLA to reach ticketing")
    customer = made["customer"]
    contact = await admin.post(
        "/api/tickets/contacts", json={"email": "wile@acme.example", "customer_id": customer["id"]}
    )
    assert contact.status_code == 201, contact.text
    desk = await admin.post("/api/tickets/departments", json={"name": "Desk"})
    assert desk.status_code == 201, desk.text
    body = {"contact_email": "wile@acme.example", "department_id": desk.json()["id"]}
    tickets = [
        (await admin.post("/api/tickets", json={"title": f"Anvil {n}", **body})).json() for n in range(3)
    ]
    plain = (await admin.post("/api/tickets", json={"title": "No SLA here"})).json()
    answered = await admin.post(
        f"/api/tickets/{tickets[0]['number']}/comments", json={"body": "On our way.", "direction": "outbound"}
    )
    assert answered.status_code == 201, answered.text

    async def timers() -> dict[str, Any]:
        connection = await asyncpg.connect(stack_with_sla.database.url)
        try:
            rows = await connection.fetch(
                "SELECT ticket_id, response_due_at, responded_at FROM sla.ticket_timers"
            )
            return {str(row["ticket_id"]): row for row in rows}
        finally:
            await connection.close()

    async def all_known() -> bool:
        known = await timers()
        return all(t["id"] in known for t in tickets) and known[tickets[0]["id"]]["responded_at"] is not None

    await eventually(all_known, within=90, what="the engine's timers from the events")
    before = await timers()
    stack_with_sla.stop_worker("sla-engine")
    connection = await asyncpg.connect(stack_with_sla.database.url)
    try:
        await connection.execute("TRUNCATE sla.ticket_timers, sla.timer_bootstrap")
    finally:
        await connection.close()
    await jetstream.delete_consumer("TICKET_EVENTS", "sla-engine-tickets")

    await stack_with_sla.start_worker("sla-engine", "jobs", "sla-engine-jobs")
    await stack_with_sla.start_worker("sla-engine", "consumers", "sla-engine-consumers")

    async def learnt() -> bool:
        connection = await asyncpg.connect(stack_with_sla.database.url)
        try:
            return bool(await connection.fetchval("SELECT tickets FROM sla.timer_bootstrap"))
        finally:
            await connection.close()

    await eventually(learnt, within=60, what="the engine to learn its timers from ticketing")
    after = await timers()
    for ticket in tickets:
        assert after[ticket["id"]]["response_due_at"] == before[ticket["id"]]["response_due_at"]
    assert after[tickets[0]["id"]]["responded_at"] == before[tickets[0]["id"]]["responded_at"]
    assert plain["id"] not in after, "a ticket without an SLA is not asked for"
    # No ticket event was published since the engine came back: a consumer that replayed the stream
    # would have delivered every earlier one.
    consumer = await jetstream.consumer_info("TICKET_EVENTS", "sla-engine-tickets")
    assert consumer.delivered.consumer_seq == 0 and consumer.num_pending == 0, consumer
