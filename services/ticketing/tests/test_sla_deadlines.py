"""Deadlines from the SLA engine (`sla_deadlines_set`): written onto the ticket by the real handler,
then read by the queue's SLA chip and the ticket's detail."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from services.ticketing.tests.conftest import Ticketing
from services.ticketing.tests.test_tickets import ADMIN, department


async def test_deadlines_from_the_engine_reach_the_ticket_and_turn_its_sla_chip(
    ticketing_app: Ticketing,
) -> None:
    await ticketing_app.switch_module(True)
    headers = ticketing_app.as_operator(*ADMIN)
    desk = await department(ticketing_app, "Desk")
    gold = await ticketing_app.sla_known("Gold")
    ticket = (
        await ticketing_app.client.post(
            "/", json={"title": "VPN down", "department_id": desk["id"]}, headers=headers
        )
    ).json()
    assert ticket["sla"]["state"] == "none"

    async def chip() -> str:
        queue = (await ticketing_app.client.get("/", params={"tab": "all"}, headers=headers)).json()
        return str(next(row["sla_state"] for row in queue["rows"] if row["id"] == ticket["id"]))

    created_at = datetime.fromisoformat(ticket["created_at"])
    response_due = created_at + timedelta(hours=4)
    resolution_due = created_at + timedelta(hours=24)
    await ticketing_app.deadlines_set(ticket, gold, response_due, resolution_due)
    detail = (await ticketing_app.client.get(f"/{ticket['number']}", headers=headers)).json()
    assert detail["sla"]["sla_id"] == str(gold)
    assert datetime.fromisoformat(detail["sla"]["response_due_at"]) == response_due
    assert datetime.fromisoformat(detail["sla"]["resolution_due_at"]) == resolution_due
    assert detail["updated_at"] == ticket["updated_at"], "the engine's arithmetic is no edit"
    assert await chip() == "ok"

    # Applying the same deadlines again changes nothing; later ones replace them.
    await ticketing_app.deadlines_set(ticket, gold, response_due, resolution_due)
    assert await chip() == "ok"
    await ticketing_app.sql(
        f"UPDATE ticketing.tickets SET created_at = now() - interval '3 hours' WHERE id = '{ticket['id']}'"
    )
    now = datetime.now(UTC)
    await ticketing_app.deadlines_set(ticket, gold, now + timedelta(minutes=80), None)
    assert await chip() == "warning", "80 of 260 minutes left"
    await ticketing_app.deadlines_set(ticket, gold, now - timedelta(minutes=1), None)
    assert await chip() == "breached"

    await ticketing_app.deadlines_set(ticket, None, None, None)
    assert await chip() == "none", "the SLA removed from the ticket"
    rows = await ticketing_app.sql(
        f"SELECT sla_id, response_due_at FROM ticketing.tickets WHERE id = '{ticket['id']}'"
    )
    assert rows[0]["sla_id"] is None and rows[0]["response_due_at"] is None


async def test_the_chip_reads_the_engines_thresholds_outcomes_and_pause_and_the_newest_revision_wins(
    ticketing_app: Ticketing,
) -> None:
    await ticketing_app.switch_module(True)
    headers = ticketing_app.as_operator(*ADMIN)
    gold = await ticketing_app.sla_known("Gold")
    ticket = (await ticketing_app.client.post("/", json={"title": "Mail down"}, headers=headers)).json()

    async def sla() -> dict[str, object]:
        detail = (await ticketing_app.client.get(f"/{ticket['number']}", headers=headers)).json()
        queue = (await ticketing_app.client.get("/", params={"tab": "all"}, headers=headers)).json()
        row = next(row for row in queue["rows"] if row["id"] == ticket["id"])
        assert row["sla_state"] == detail["sla"]["state"], "queue and detail read the same chip"
        return dict(detail["sla"])

    now = datetime.now(UTC)
    hour = timedelta(hours=1)
    # Thresholds where a business calendar put them: the chip needs no arithmetic of its own.
    window = {"response_due_at": None, "resolution_due_at": now + 30 * hour}
    await ticketing_app.deadlines_set(
        ticket,
        gold,
        **window,
        resolution_warning_at=now - hour,
        resolution_critical_at=now + hour,
        revision=1,
    )
    assert (await sla())["state"] == "warning", "past the warning instant, though most of the window is left"
    await ticketing_app.deadlines_set(
        ticket,
        gold,
        **window,
        resolution_warning_at=now - 2 * hour,
        resolution_critical_at=now - hour,
        revision=2,
    )
    assert (await sla())["state"] == "critical"
    await ticketing_app.deadlines_set(ticket, gold, **window, paused_since=now, revision=3)
    paused = await sla()
    assert paused["state"] == "paused" and paused["paused_since"] is not None
    # A late, older revision changes nothing.
    await ticketing_app.deadlines_set(ticket, gold, now - hour, None, revision=2)
    assert (await sla())["state"] == "paused"

    await ticketing_app.sql(f"UPDATE ticketing.tickets SET status = 'resolved' WHERE id = '{ticket['id']}'")
    await ticketing_app.deadlines_set(ticket, gold, **window, resolution_outcome="met", revision=4)
    met = await sla()
    assert (met["state"], met["resolution_outcome"]) == ("met", "met")
    await ticketing_app.deadlines_set(
        ticket, gold, **window, response_outcome="breached", resolution_outcome="met", revision=5
    )
    assert (await sla())["state"] == "breached", "one target breached is a breach"


async def test_deadlines_for_a_ticket_that_no_longer_exists_are_ignored(ticketing_app: Ticketing) -> None:
    gone = {"id": str(uuid.uuid4()), "number": "TKT-999999", "department": None}
    await ticketing_app.deadlines_set(gone, uuid.uuid4(), datetime.now(UTC), None)
    assert await ticketing_app.sql("SELECT id FROM ticketing.tickets") == []


async def test_the_sla_projection_keeps_the_priority_override(ticketing_app: Ticketing) -> None:
    sla_id = await ticketing_app.sla_known("Gold", priority_override="high")
    rows = await ticketing_app.sql(
        f"SELECT priority_override FROM ticketing.sla_definitions WHERE id = '{sla_id}'"
    )
    assert rows[0]["priority_override"] == "high"
