"""A ticket's SLA follows its customer (issue 18): a contact of another customer, a reopened ticket and
a customer's new SLA each give the open ticket the customer's SLA, with history and `ticket_updated`
carrying it (the SLA engine recomputes the deadlines from that event)."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import datetime
from typing import Any

import asyncpg

from helpdesk_common.db import libpq_url
from services.ticketing.tests.conftest import Ticketing
from services.ticketing.tests.test_tickets import ADMIN, _until_waiting_on_a_lock, outbox


async def customer(ticketing_app: Ticketing, name: str, sla_id: uuid.UUID | None) -> str:
    response = await ticketing_app.client.post(
        "/customers",
        json={"company_name": name, "sla_id": str(sla_id) if sla_id else None},
        headers=ticketing_app.as_operator(*ADMIN),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def contact(ticketing_app: Ticketing, email: str, customer_id: str | None) -> str:
    response = await ticketing_app.client.post(
        "/contacts",
        json={"email": email, "customer_id": customer_id},
        headers=ticketing_app.as_operator(*ADMIN),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def ticket_of(ticketing_app: Ticketing, contact_id: str, status: str = "open") -> dict[str, Any]:
    headers = ticketing_app.as_operator(*ADMIN)
    created = await ticketing_app.client.post(
        "/", json={"title": f"Ticket {status}", "contact_id": contact_id}, headers=headers
    )
    assert created.status_code == 201, created.text
    ticket = dict(created.json())
    if status != "open":
        patched = await ticketing_app.client.patch(
            f"/{ticket['number']}", json={"status": status}, headers=headers
        )
        ticket = dict(patched.json())
    return ticket


async def edit(ticketing_app: Ticketing, number: str, **fields: Any) -> dict[str, Any]:
    response = await ticketing_app.client.patch(
        f"/{number}", json=fields, headers=ticketing_app.as_operator(*ADMIN)
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def set_customer_sla(
    ticketing_app: Ticketing, customer_id: str, sla_id: uuid.UUID | None, operator_id: uuid.UUID
) -> None:
    response = await ticketing_app.client.patch(
        f"/customers/{customer_id}",
        json={"sla_id": str(sla_id) if sla_id else None},
        headers=ticketing_app.as_operator(*ADMIN, operator_id=operator_id, username="carol"),
    )
    assert response.status_code == 200, response.text


def when(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def history(ticketing_app: Ticketing, number: str, field: str) -> list[tuple[Any, Any]]:
    entries = (
        await ticketing_app.client.get(f"/{number}/history", headers=ticketing_app.as_operator(*ADMIN))
    ).json()
    return [(e["old_value"], e["new_value"]) for e in entries if e["field"] == field]


async def test_a_contact_of_another_customer_brings_that_customers_sla_to_the_ticket_and_its_event(
    ticketing_app: Ticketing,
) -> None:
    await ticketing_app.switch_module(True)
    gold, silver = await ticketing_app.sla_known("Gold"), await ticketing_app.sla_known("Silver")
    acme, globex = (
        await customer(ticketing_app, "Acme", gold),
        await customer(ticketing_app, "Globex", silver),
    )
    initech = await customer(ticketing_app, "Initech", None)
    wile = await contact(ticketing_app, "wile@acme.example", acme)
    road = await contact(ticketing_app, "road@acme.example", acme)
    hank = await contact(ticketing_app, "hank@globex.example", globex)
    await contact(ticketing_app, "peter@initech.example", initech)
    ticket = await ticket_of(ticketing_app, wile)
    assert ticket["sla"]["sla_id"] == str(gold)

    moved = await edit(ticketing_app, ticket["number"], contact_id=hank)
    assert moved["customer"]["name"] == "Globex" and moved["sla"]["sla_id"] == str(silver)
    assert when(moved["updated_at"]) > when(ticket["updated_at"]), "the engine takes only newer snapshots"
    event = (await outbox(ticketing_app, "ticket_updated"))[-1]["data"]
    assert event["ticket"]["sla_id"] == str(silver) and event["ticket"]["customer_id"] == globex
    assert when(event["ticket"]["updated_at"]) == when(moved["updated_at"])
    assert event["changes"]["sla_id"] == {"old": str(gold), "new": str(silver)}
    assert event["changes"]["customer_id"] == {"old": acme, "new": globex}
    assert await history(ticketing_app, ticket["number"], "sla") == [("Gold", "Silver")]
    assert await history(ticketing_app, ticket["number"], "customer") == [("Acme", "Globex")]

    # By e-mail too: the contact found for the address brings its customer, here one without an SLA.
    by_email = await edit(ticketing_app, ticket["number"], contact_email="PETER@initech.example")
    assert by_email["customer"]["name"] == "Initech" and by_email["sla"]["sla_id"] is None
    assert (await outbox(ticketing_app, "ticket_updated"))[-1]["data"]["ticket"]["sla_id"] is None

    # Back to Acme, then to another Acme contact: the customer stays, so nothing about the SLA moves.
    await edit(ticketing_app, ticket["number"], contact_id=wile)
    same_customer = await edit(ticketing_app, ticket["number"], contact_id=road)
    assert same_customer["sla"]["sla_id"] == str(gold)
    last = (await outbox(ticketing_app, "ticket_updated"))[-1]["data"]
    assert set(last["changes"]) == {"contact_id"}

    # No contact, no customer, no SLA.
    cleared = await edit(ticketing_app, ticket["number"], contact_id=None)
    assert cleared["customer"] is None and cleared["sla"]["sla_id"] is None
    assert await history(ticketing_app, ticket["number"], "sla") == [
        ("Gold", "Silver"),
        ("Silver", None),
        (None, "Gold"),
        ("Gold", None),
    ]


async def test_a_customers_new_sla_reaches_its_open_tickets_one_event_each_and_spares_settled_ones(
    ticketing_app: Ticketing,
) -> None:
    await ticketing_app.switch_module(True)
    gold, silver = await ticketing_app.sla_known("Gold"), await ticketing_app.sla_known("Silver")
    acme, globex = await customer(ticketing_app, "Acme", gold), await customer(ticketing_app, "Globex", gold)
    wile = await contact(ticketing_app, "wile@acme.example", acme)
    hank = await contact(ticketing_app, "hank@globex.example", globex)
    open_ones = [
        await ticket_of(ticketing_app, wile, status) for status in ("open", "in_progress", "waiting")
    ]
    resolved = await ticket_of(ticketing_app, wile, "resolved")
    closed = await ticket_of(ticketing_app, wile, "closed")
    other = await ticket_of(ticketing_app, hank)
    before = {r["number"]: r for r in await ticketing_app.sql("SELECT * FROM ticketing.tickets")}
    published = len(await outbox(ticketing_app))
    carol = uuid.uuid4()

    await set_customer_sla(ticketing_app, acme, silver, carol)
    rows = {r["number"]: r for r in await ticketing_app.sql("SELECT * FROM ticketing.tickets")}
    for ticket in open_ones:
        row = rows[ticket["number"]]
        assert row["sla_id"] == silver
        assert row["updated_at"] > before[ticket["number"]]["updated_at"]
        assert row["last_activity_at"] == before[ticket["number"]]["last_activity_at"], "no activity"
        assert await history(ticketing_app, ticket["number"], "sla") == [("Gold", "Silver")]
    for kept in (resolved, closed, other):
        assert rows[kept["number"]]["sla_id"] == gold, "a settled ticket keeps what it was measured by"
        assert rows[kept["number"]]["updated_at"] == before[kept["number"]]["updated_at"]
    events = (await outbox(ticketing_app))[published:]
    assert [e["type"] for e in events] == ["ticket_updated"] * 3
    assert sorted(e["data"]["ticket"]["number"] for e in events) == sorted(t["number"] for t in open_ones)
    for event in events:
        assert event["data"]["ticket"]["sla_id"] == str(silver)
        assert event["data"]["changes"] == {"sla_id": {"old": str(gold), "new": str(silver)}}
        assert event["data"]["actor_id"] == str(carol)
        assert event["bus_subject"].startswith("ticket.updated.")

    # Sent again unchanged (the customer form sends every field), nothing moves.
    await set_customer_sla(ticketing_app, acme, silver, carol)
    assert len(await outbox(ticketing_app)) == published + 3

    # Cleared: the open tickets are left without an SLA too.
    await set_customer_sla(ticketing_app, acme, None, carol)
    events = (await outbox(ticketing_app))[published + 3 :]
    assert len(events) == 3 and all(e["data"]["ticket"]["sla_id"] is None for e in events)
    rows = {r["number"]: r for r in await ticketing_app.sql("SELECT number, sla_id FROM ticketing.tickets")}
    assert [rows[t["number"]]["sla_id"] for t in open_ones] == [None, None, None]
    assert rows[resolved["number"]]["sla_id"] == gold and rows[other["number"]]["sla_id"] == gold


async def test_a_settled_ticket_takes_its_customers_sla_when_it_is_reopened(ticketing_app: Ticketing) -> None:
    await ticketing_app.switch_module(True)
    gold, silver = await ticketing_app.sla_known("Gold"), await ticketing_app.sla_known("Silver")
    acme, globex = (
        await customer(ticketing_app, "Acme", gold),
        await customer(ticketing_app, "Globex", silver),
    )
    wile = await contact(ticketing_app, "wile@acme.example", acme)
    hank = await contact(ticketing_app, "hank@globex.example", globex)
    resolved = await ticket_of(ticketing_app, wile, "resolved")
    closed = await ticket_of(ticketing_app, wile, "closed")

    await set_customer_sla(ticketing_app, acme, silver, uuid.uuid4())
    reopened = await edit(ticketing_app, closed["number"], status="open")
    assert reopened["sla"]["sla_id"] == str(silver)
    event = (await outbox(ticketing_app, "ticket_updated"))[-1]["data"]
    assert event["changes"]["sla_id"] == {"old": str(gold), "new": str(silver)}

    # Moved to another customer while resolved, it keeps its SLA; reopened, it takes the new customer's.
    kept = await edit(ticketing_app, resolved["number"], contact_id=hank)
    assert kept["customer"]["name"] == "Globex" and kept["sla"]["sla_id"] == str(gold)
    assert (await edit(ticketing_app, resolved["number"], status="in_progress"))["sla"]["sla_id"] == str(
        silver
    )


async def test_two_thousand_open_tickets_follow_their_customers_sla_in_one_change(
    ticketing_app: Ticketing,
) -> None:
    await ticketing_app.switch_module(True)
    gold, silver = await ticketing_app.sla_known("Gold"), await ticketing_app.sla_known("Silver")
    acme = await customer(ticketing_app, "Acme", gold)
    label = await ticketing_app.client.post(
        "/labels",
        json={"name": "VIP", "color": "#ff0000"},
        headers=ticketing_app.as_operator("tickets_enabled", "tickets_manage_labels_types"),
    )
    assert label.status_code == 201, label.text
    await ticketing_app.sql(
        f"""INSERT INTO ticketing.tickets (id, number, title, status, customer_id, sla_id)
        SELECT gen_random_uuid(), 'ACME-' || lpad(i::text, 6, '0'), 'Bulk ' || i,
               CASE WHEN i > 2000 THEN 'resolved' ELSE 'open' END, '{acme}', '{gold}'
        FROM generate_series(1, 2100) AS i"""
    )
    await ticketing_app.sql(
        f"""INSERT INTO ticketing.ticket_labels (ticket_id, label_id)
        SELECT id, '{label.json()["id"]}' FROM ticketing.tickets WHERE number LIKE 'ACME-0000%'"""
    )

    started = time.perf_counter()
    await set_customer_sla(ticketing_app, acme, silver, uuid.uuid4())
    elapsed = time.perf_counter() - started
    print(f"2,000 open tickets followed their customer's SLA in {elapsed:.2f} s")

    events = await outbox(ticketing_app, "ticket_updated")
    assert len(events) == 2000
    assert len({e["data"]["ticket"]["id"] for e in events}) == 2000
    assert all(e["data"]["ticket"]["sla_id"] == str(silver) for e in events)
    labelled = [e for e in events if e["data"]["ticket"]["label_ids"]]
    assert len(labelled) == 99, "snapshots are whole tickets, labels included"
    counts = await ticketing_app.sql(
        "SELECT status, sla_id, count(*) AS n FROM ticketing.tickets GROUP BY status, sla_id ORDER BY status"
    )
    assert [(r["status"], r["sla_id"], r["n"]) for r in counts] == [
        ("open", silver, 2000),
        ("resolved", gold, 100),
    ]
    assert (await ticketing_app.sql("SELECT count(*) AS n FROM ticketing.ticket_history"))[0]["n"] == 2000


async def test_a_ticket_moved_while_its_new_customers_sla_changes_takes_the_sla_that_commits(
    ticketing_app: Ticketing,
) -> None:
    """The customer's change cannot see the ticket joining it yet; the move waits for that change and
    reads what it committed. A real concurrent transaction holds the customer's row."""
    await ticketing_app.switch_module(True)
    gold, silver = await ticketing_app.sla_known("Gold"), await ticketing_app.sla_known("Silver")
    acme, globex = await customer(ticketing_app, "Acme", gold), await customer(ticketing_app, "Globex", gold)
    wile = await contact(ticketing_app, "wile@acme.example", acme)
    hank = await contact(ticketing_app, "hank@globex.example", globex)
    ticket = await ticket_of(ticketing_app, wile)
    changer = await asyncpg.connect(libpq_url(ticketing_app.database.url))
    try:
        transaction = changer.transaction()
        await transaction.start()
        await changer.execute(
            "UPDATE ticketing.customers SET sla_id = $1 WHERE id = $2", silver, uuid.UUID(globex)
        )
        move = asyncio.create_task(
            ticketing_app.client.patch(
                f"/{ticket['number']}", json={"contact_id": hank}, headers=ticketing_app.as_operator(*ADMIN)
            )
        )
        await _until_waiting_on_a_lock(changer, move)
        await transaction.commit()
        response = await move
    finally:
        await changer.close()
    assert response.status_code == 200, response.text
    assert response.json()["sla"]["sla_id"] == str(silver)
