"""An incident's SLA through the real gateway, itsm and SLA engine: an SLA made at /api/sla/definitions
reaches itsm, an incident created under it gets its deadlines from the engine, and when the engine's
clock (HELPDESK_TEST_CLOCK_FILE) passes the response deadline, the breach comes back to itsm and
escalates the incident once."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from helpdesk_common.testing.infrastructure import TestServers
from helpdesk_common.testing.plugin import TestDatabase
from tests.backbone.harness import eventually
from tests.journeys.stack import RunningStack, start_stack
from tests.journeys.test_gateway_flags import operator_with


@pytest.fixture
def engine_clock(tmp_path: Path) -> Path:
    return tmp_path / "sla-engine-clock"


@pytest.fixture
async def itsm_stack(
    servers: TestServers, database: TestDatabase, jetstream: object, tmp_path: Path, engine_clock: Path
) -> AsyncIterator[RunningStack]:
    running = await start_stack(
        servers,
        database,
        tmp_path,
        upstreams=("ticketing", "sla-engine", "itsm"),
        own_env={"sla-engine": {"HELPDESK_TEST_CLOCK_FILE": str(engine_clock)}},
    )
    try:
        yield running
    finally:
        running.stop()


def move_clock(path: Path, seconds: float) -> None:
    """Written whole, as clock.py asks: a half-written number would be read as it stands."""
    partial = path.with_suffix(".partial")
    partial.write_text(str(seconds))
    os.replace(partial, path)


async def test_an_incident_under_an_sla_gets_its_deadlines_and_a_breach_escalates_it_once(
    itsm_stack: RunningStack, engine_clock: Path
) -> None:
    admin = await itsm_stack.admin()
    # SLA definitions are part of the Ticket System, and switched on with it.
    settings = await admin.put(
        "/api/tickets/settings",
        json={"ticket_system_enabled": True, "ticket_number_prefix": "TKT", "blocked_extensions": []},
    )
    assert settings.status_code == 200, settings.text
    manager = await operator_with(
        itsm_stack, admin, "tickets_enabled", "tickets_manage_sla", "incidents.view", "incidents.manage"
    )

    async def switch_reached_the_engine() -> bool:
        return (await manager.get("/api/sla/definitions")).status_code == 200

    await eventually(switch_reached_the_engine, within=60, what="the module switch to reach the SLA engine")
    made = await manager.post(
        "/api/sla/definitions", json={"name": "P1", "response_hours": 1, "resolution_hours": 4}
    )
    assert made.status_code == 201, made.text
    sla_id = made.json()["id"]

    incident: dict[str, Any] = {}

    async def incident_under_the_sla() -> bool:
        # 422 naming sla_id until sla_definition_upserted has reached itsm.
        answer = await manager.post("/api/itsm/incidents", json={"title": "Mail is down", "sla_id": sla_id})
        incident.update(answer.json() if answer.status_code == 201 else {})
        return answer.status_code == 201

    await eventually(incident_under_the_sla, within=60, what="the SLA to reach itsm")
    created_at = datetime.fromisoformat(incident["created_at"])

    async def read(client: httpx.AsyncClient) -> dict[str, Any]:
        answer = await client.get(f"/api/itsm/incidents/{incident['id']}")
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    async def deadlines_applied() -> bool:
        return (await read(manager))["response_due_at"] is not None

    # Two hops (itsm to the engine, the engine back), each of which may wait out one ack wait.
    await eventually(deadlines_applied, within=90, what="the engine's deadlines on the incident")
    applied = await read(manager)
    response_due_at = datetime.fromisoformat(applied["response_due_at"])
    assert response_due_at == created_at + timedelta(hours=1)
    assert datetime.fromisoformat(applied["resolution_due_at"]) == created_at + timedelta(hours=4)
    assert applied["sla_breached_at"] is None and applied["escalation_level"] == 0

    # The engine's sweep now reads a clock past the response deadline (and before the resolution's).
    move_clock(engine_clock, (response_due_at - datetime.now(UTC)).total_seconds() + 5)

    async def escalated() -> bool:
        return (await read(manager))["escalation_level"] >= 1

    await eventually(escalated, within=90, what="the breach to escalate the incident")
    await asyncio.sleep(3)  # many sweeps of the engine later
    breached = await read(manager)
    assert breached["escalation_level"] == 1, "once"
    assert datetime.fromisoformat(breached["sla_breached_at"]) == response_due_at
    timeline = (await manager.get(f"/api/itsm/incidents/{incident['id']}/timeline")).json()
    assert [entry["summary"] for entry in timeline if entry["kind"] == "escalation"] == [
        "Escalated to level 1: SLA breached: response"
    ]
