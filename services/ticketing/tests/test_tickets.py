"""Tickets (seed 10.3 to 10.7): creation, numbering, details, rights, lifecycle, history, events."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import orjson

from helpdesk_common.db import libpq_url
from services.ticketing.tests.conftest import Ticketing

AGENT = (
    "tickets_enabled",
    "tickets_create",
    "tickets_edit",
    "tickets_assign",
    "tickets_view_all_departments",
)
ADMIN = (*AGENT, "tickets_manage_departments", "tickets_manage_customers", "tickets_delete")


async def outbox(ticketing_app: Ticketing, *types: str) -> list[dict[str, Any]]:
    rows = await ticketing_app.sql("SELECT event_type, subject, payload FROM ticketing.outbox ORDER BY id")
    return [
        {**orjson.loads(r["payload"]), "type": r["event_type"], "bus_subject": r["subject"]}
        for r in rows
        if not types or r["event_type"] in types
    ]


async def department(ticketing_app: Ticketing, name: str, **extra: Any) -> dict[str, Any]:
    response = await ticketing_app.client.post(
        "/departments", json={"name": name, **extra}, headers=ticketing_app.as_operator(*ADMIN)
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_only_the_title_is_required_and_the_rest_is_filled_in(ticketing_app: Ticketing) -> None:
    await ticketing_app.switch_module(True)
    desk = await department(ticketing_app, "Service Desk")
    creator = await ticketing_app.operator_known("ada", default_department_id=uuid.UUID(desk["id"]))
    headers = ticketing_app.as_operator(*AGENT, operator_id=creator)

    for without_title in ({"title": "   "}, {}, {"priority": "high"}):
        missing = await ticketing_app.client.post("/", json=without_title, headers=headers)
        assert missing.status_code == 422, missing.text
        assert missing.json()["errors"] == [{"field": "title", "message": "Title is required"}]
    assert await ticketing_app.sql("SELECT id FROM ticketing.tickets") == []

    created = await ticketing_app.client.post(
        "/",
        json={"title": "Printer on fire", "description": {"body": "<p>Smoke!</p>", "body_format": "html"}},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    ticket = created.json()
    assert ticket["number"] == "TKT-000001"
    assert ticket["status"] == "open" and ticket["priority"] == "medium" and ticket["source"] == "manual"
    assert ticket["department"]["name"] == "Service Desk", "falls back to the creator's default department"
    assert ticket["created_by_id"] == str(creator)

    conversation = (await ticketing_app.client.get("/TKT-000001/comments", headers=headers)).json()
    assert [(c["direction"], c["author_name"], c["body_text"]) for c in conversation] == [
        ("outbound", "ada", "Smoke!")
    ]
    created_events = await outbox(ticketing_app, "ticket_created")
    assert created_events[0]["bus_subject"] == f"ticket.created.{desk['id']}"
    assert created_events[0]["data"]["ticket"]["number"] == "TKT-000001"


async def test_numbers_use_the_customers_prefix_and_a_contact_brings_customer_and_sla(
    ticketing_app: Ticketing,
) -> None:
    await ticketing_app.switch_module(True)
    admin = ticketing_app.as_operator(*ADMIN)
    sla = await ticketing_app.sla_known("Gold")
    acme = (
        await ticketing_app.client.post(
            "/customers",
            json={"company_name": "Acme", "ticket_number_prefix": "ACME", "sla_id": str(sla)},
            headers=admin,
        )
    ).json()
    await ticketing_app.client.post(
        "/contacts",
        json={"email": "wile@acme.example", "first_name": "Wile", "customer_id": acme["id"]},
        headers=admin,
    )
    by_email = (
        await ticketing_app.client.post(
            "/", json={"title": "Anvil", "contact_email": "WILE@acme.example"}, headers=admin
        )
    ).json()
    assert by_email["number"] == "ACME-000001"
    assert by_email["contact"]["name"] == "Wile" and by_email["customer"]["name"] == "Acme"
    assert by_email["sla"]["sla_id"] == str(sla), "the customer's SLA; the SLA engine sets the deadlines"
    created_at = datetime.fromisoformat(by_email["created_at"])
    await ticketing_app.deadlines_set(by_email, sla, created_at + timedelta(hours=4), None)
    with_deadlines = (await ticketing_app.client.get("/ACME-000001", headers=admin)).json()
    assert with_deadlines["sla"]["response_due_at"] is not None
    assert with_deadlines["sla"]["state"] == "ok"

    stranger = (
        await ticketing_app.client.post(
            "/", json={"title": "Hi", "contact_email": "new@else.example"}, headers=admin
        )
    ).json()
    assert stranger["number"] == "TKT-000001"
    assert stranger["contact"] == {"id": None, "name": None, "email": "new@else.example"}

    # A contact known only by e-mail takes a name on the ticket; a linked contact's name is its own.
    named = await ticketing_app.client.patch(
        "/TKT-000001", json={"contact_name": "  Nia New "}, headers=admin
    )
    assert named.status_code == 200, named.text
    assert named.json()["contact"] == {"id": None, "name": "Nia New", "email": "new@else.example"}
    found = await ticketing_app.client.get("/", params={"tab": "all", "search": "nia new"}, headers=admin)
    assert [row["number"] for row in found.json()["rows"]] == ["TKT-000001"], "the name is searchable"
    cleared = await ticketing_app.client.patch("/TKT-000001", json={"contact_name": ""}, headers=admin)
    assert cleared.json()["contact"]["name"] is None
    refused = await ticketing_app.client.patch("/ACME-000001", json={"contact_name": "Coyote"}, headers=admin)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "contact_name"
    assert "change the name on the contact" in refused.json()["errors"][0]["message"]


async def test_two_hundred_parallel_creates_get_two_hundred_distinct_numbers(
    ticketing_app: Ticketing,
) -> None:
    await ticketing_app.switch_module(True)
    headers = ticketing_app.as_operator(*AGENT)

    async def create(index: int) -> str:
        response = await ticketing_app.client.post("/", json={"title": f"Parallel {index}"}, headers=headers)
        assert response.status_code == 201, response.text
        return str(response.json()["number"])

    numbers = await asyncio.gather(*(create(i) for i in range(200)))
    assert len(set(numbers)) == 200
    assert sorted(numbers) == [f"TKT-{i:06d}" for i in range(1, 201)]
    await ticketing_app.client.post(
        "/bulk-delete", json={"numbers": ["TKT-000200"]}, headers=ticketing_app.as_operator(*ADMIN)
    )
    after = (await ticketing_app.client.post("/", json={"title": "Next"}, headers=headers)).json()
    assert after["number"] == "TKT-000201", "a deleted ticket's number is never reused"


async def test_the_journey_open_in_progress_resolved_closed_reopened_is_recorded(
    ticketing_app: Ticketing,
) -> None:
    await ticketing_app.switch_module(True)
    headers = ticketing_app.as_operator(*AGENT, username="ada")
    number = (await ticketing_app.client.post("/", json={"title": "VPN down"}, headers=headers)).json()[
        "number"
    ]
    for status in ("in_progress", "resolved", "closed", "open"):
        response = await ticketing_app.client.patch(f"/{number}", json={"status": status}, headers=headers)
        assert response.status_code == 200 and response.json()["status"] == status
    final = (await ticketing_app.client.get(f"/{number}", headers=headers)).json()
    assert final["closed_at"] is None, "reopening clears the closing time"

    history = (await ticketing_app.client.get(f"/{number}/history", headers=headers)).json()
    statuses = [(h["old_value"], h["new_value"], h["actor_name"]) for h in history if h["field"] == "status"]
    assert statuses == [
        ("open", "in_progress", "ada"),
        ("in_progress", "resolved", "ada"),
        ("resolved", "closed", "ada"),
        ("closed", "open", "ada"),
    ]
    types = [e["type"] for e in await outbox(ticketing_app, "ticket_updated", "ticket_closed")]
    assert types == ["ticket_updated", "ticket_updated", "ticket_updated", "ticket_closed", "ticket_updated"]
    updates = await outbox(ticketing_app, "ticket_updated")
    assert updates[-1]["data"]["changes"] == {"status": {"old": "closed", "new": "open"}}


async def test_the_assignee_needs_tickets_assign_and_every_other_field_tickets_edit(
    ticketing_app: Ticketing,
) -> None:
    await ticketing_app.switch_module(True)
    bob = await ticketing_app.operator_known("bob")
    number = (
        await ticketing_app.client.post(
            "/", json={"title": "Slow PC"}, headers=ticketing_app.as_operator(*AGENT)
        )
    ).json()["number"]
    assigner = ticketing_app.as_operator("tickets_enabled", "tickets_assign", "tickets_view_all_departments")
    editor = ticketing_app.as_operator("tickets_enabled", "tickets_edit", "tickets_view_all_departments")

    refused = await ticketing_app.client.patch(f"/{number}", json={"title": "Fast PC"}, headers=assigner)
    assert refused.status_code == 403 and refused.json()["flag"] == "tickets_edit"
    assigned = await ticketing_app.client.patch(
        f"/{number}", json={"assignee_id": str(bob)}, headers=assigner
    )
    assert assigned.status_code == 200 and assigned.json()["assignee"]["username"] == "bob"
    refused = await ticketing_app.client.patch(f"/{number}", json={"assignee_id": None}, headers=editor)
    assert refused.status_code == 403 and refused.json()["flag"] == "tickets_assign"
    edited = await ticketing_app.client.patch(f"/{number}", json={"priority": "critical"}, headers=editor)
    assert edited.json()["priority"] == "critical"

    assignment = await outbox(ticketing_app, "ticket_assigned")
    assert assignment[0]["data"]["changes"]["assignee_id"] == {"old": None, "new": str(bob)}
    history = (await ticketing_app.client.get(f"/{number}/history", headers=editor)).json()
    assert {"field": "assignee", "old_value": None, "new_value": "bob"}.items() <= history[1].items()


async def test_operators_see_only_their_departments_unless_they_may_see_all(ticketing_app: Ticketing) -> None:
    await ticketing_app.switch_module(True)
    desk = uuid.UUID((await department(ticketing_app, "Desk"))["id"])
    lab = uuid.UUID((await department(ticketing_app, "Lab"))["id"])
    admin = ticketing_app.as_operator(*ADMIN)
    in_lab = (
        await ticketing_app.client.post(
            "/", json={"title": "Microscope", "department_id": str(lab)}, headers=admin
        )
    ).json()
    in_desk = (
        await ticketing_app.client.post(
            "/", json={"title": "Mouse", "department_id": str(desk)}, headers=admin
        )
    ).json()

    desk_agent = ticketing_app.as_operator("tickets_enabled", "tickets_edit", departments=(desk,))
    assert (await ticketing_app.client.get(f"/{in_lab['number']}", headers=desk_agent)).status_code == 404
    assert (
        await ticketing_app.client.patch(f"/{in_lab['number']}", json={"title": "x"}, headers=desk_agent)
    ).status_code == 404
    assert (await ticketing_app.client.get(f"/{in_desk['number']}", headers=desk_agent)).status_code == 200
    queue = (await ticketing_app.client.get("/", params={"tab": "all"}, headers=desk_agent)).json()
    assert [row["number"] for row in queue["rows"]] == [in_desk["number"]]
    assert queue["counts"]["all"] == 1


async def test_closing_routes_all_publish_ticket_closed_and_the_closing_comment_is_an_internal_note(
    ticketing_app: Ticketing,
) -> None:
    await ticketing_app.switch_module(True)
    headers = ticketing_app.as_operator(*ADMIN)
    numbers = [
        (await ticketing_app.client.post("/", json={"title": f"T{i}"}, headers=headers)).json()["number"]
        for i in range(3)
    ]
    closed = await ticketing_app.client.post(
        f"/{numbers[0]}/close", json={"comment": "Fixed the cable."}, headers=headers
    )
    assert closed.json()["status"] == "closed" and closed.json()["closed_at"] is not None
    notes = (await ticketing_app.client.get(f"/{numbers[0]}/comments", headers=headers)).json()
    assert [(n["direction"], n["body_text"]) for n in notes] == [("internal", "Fixed the cable.")]

    bulk = await ticketing_app.client.post(
        "/bulk-close", json={"numbers": [*numbers[1:], "TKT-999999"]}, headers=headers
    )
    assert bulk.json() == {"affected": numbers[1:], "not_found": ["TKT-999999"]}
    assert [e["data"]["ticket"]["number"] for e in await outbox(ticketing_app, "ticket_closed")] == numbers

    plain = ticketing_app.as_operator(*AGENT)
    refused = await ticketing_app.client.post("/bulk-delete", json={"numbers": numbers}, headers=plain)
    assert refused.status_code == 403 and refused.json()["flag"] == "tickets_delete"
    deleted = await ticketing_app.client.post("/bulk-delete", json={"numbers": numbers}, headers=headers)
    assert deleted.json()["affected"] == numbers
    assert (await ticketing_app.client.get(f"/{numbers[0]}", headers=headers)).status_code == 404
    assert await ticketing_app.sql("SELECT 1 FROM ticketing.comments") == [], (
        "a hard delete takes the conversation"
    )
    gone = await outbox(ticketing_app, "ticket_deleted")
    assert [(e["data"]["ticket"]["number"], e["data"]["ticket"]["status"]) for e in gone] == [
        (number, "closed") for number in numbers
    ], "every deleted ticket is announced with its last state, so other services let it go"
    assert {e["bus_subject"] for e in gone} == {"ticket.deleted.none"}


async def test_opening_marks_read_and_auto_assigns_the_first_member_who_opens(
    ticketing_app: Ticketing,
) -> None:
    await ticketing_app.switch_module(True)
    ada = await ticketing_app.operator_known("ada")
    bob = await ticketing_app.operator_known("bob")
    desk = await department(ticketing_app, "Desk", auto_assign_on_open=True, member_ids=[str(ada), str(bob)])
    admin = ticketing_app.as_operator(*ADMIN)
    number = (
        await ticketing_app.client.post(
            "/", json={"title": "Mail", "department_id": desk["id"]}, headers=admin
        )
    ).json()["number"]

    outsider = ticketing_app.as_operator(*AGENT, username="carol")
    assert (await ticketing_app.client.post(f"/{number}/open", headers=outsider)).json()["assignee"] is None
    ada_headers = ticketing_app.as_operator(*AGENT, operator_id=ada, username="ada")
    unread_before = (await ticketing_app.client.get("/unread-count", headers=ada_headers)).json()["unread"]
    opened = await ticketing_app.client.post(f"/{number}/open", headers=ada_headers)
    assert opened.json()["assignee"]["username"] == "ada"
    bob_headers = ticketing_app.as_operator(*AGENT, operator_id=bob, username="bob")
    assert (await ticketing_app.client.post(f"/{number}/open", headers=bob_headers)).json()["assignee"][
        "username"
    ] == "ada"
    assert unread_before == 1
    assert (await ticketing_app.client.get("/unread-count", headers=ada_headers)).json()["unread"] == 0


async def test_an_outbound_reply_is_sanitised_threaded_and_handed_to_the_mail_gateway(
    ticketing_app: Ticketing,
) -> None:
    await ticketing_app.switch_module(True)
    desk = await department(ticketing_app, "Desk")
    headers = ticketing_app.as_operator(*ADMIN)
    number = (
        await ticketing_app.client.post(
            "/",
            json={"title": "Login", "department_id": desk["id"], "contact_email": "user@example.com"},
            headers=headers,
        )
    ).json()["number"]
    hostile = (
        '<p onclick="x()">Try again <script>alert(1)</script><img src="https://track.example/p.gif"></p>'
    )
    first = await ticketing_app.client.post(
        f"/{number}/comments",
        json={"direction": "outbound", "body": hostile, "body_format": "html"},
        headers=headers,
    )
    assert first.status_code == 201, first.text
    assert "script" not in first.json()["body_html"] and "onclick" not in first.json()["body_html"]
    assert "track.example" not in first.json()["body_html"]
    assert first.json()["body_text"] == "Try again"
    await ticketing_app.client.post(
        f"/{number}/comments",
        json={"direction": "internal", "body": "Keep an eye", "body_format": "plain_text"},
        headers=headers,
    )
    await ticketing_app.client.post(
        f"/{number}/comments",
        json={"direction": "outbound", "body": "Second try", "body_format": "plain_text"},
        headers=headers,
    )
    mails = await outbox(ticketing_app, "mail_outbound_requested")
    assert [m["bus_subject"] for m in mails] == [f"mail.outbound.{desk['id']}"] * 2
    first_mail, second_mail = (m["data"] for m in mails)
    assert first_mail["to"] == ["user@example.com"] and first_mail["subject"] == f"[{number}] Login"
    assert second_mail["in_reply_to"] == first_mail["message_id"]
    assert second_mail["references"] == [first_mail["message_id"]]
    assert len(await outbox(ticketing_app, "comment_added")) == 3
    ticket = (await ticketing_app.client.get(f"/{number}", headers=headers)).json()
    assert ticket["last_contact"]["direction"] == "outbound"

    no_contact = (await ticketing_app.client.post("/", json={"title": "Alone"}, headers=headers)).json()[
        "number"
    ]
    refused = await ticketing_app.client.post(
        f"/{no_contact}/comments", json={"direction": "outbound", "body": "Hello"}, headers=headers
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "direction"


async def test_bad_ticket_input_names_the_field_and_changes_nothing(ticketing_app: Ticketing) -> None:
    await ticketing_app.switch_module(True)
    headers = ticketing_app.as_operator(*ADMIN)
    for body, field in (
        ({"title": "x", "department_id": str(uuid.uuid4())}, "department_id"),
        ({"title": "x", "assignee_id": str(uuid.uuid4())}, "assignee_id"),
        ({"title": "x", "type_id": str(uuid.uuid4())}, "type_id"),
        ({"title": "x", "label_ids": [str(uuid.uuid4())]}, "label_ids"),
        ({"title": "x", "priority": "urgent"}, "priority"),
        ({"title": "x", "contact_email": "nope"}, "contact_email"),
        ({"title": "x", "source": "email"}, "source"),
    ):
        response = await ticketing_app.client.post("/", json=body, headers=headers)
        assert response.status_code == 422, body
        assert response.json()["errors"][0]["field"] == field, response.json()
    assert (await ticketing_app.client.get("/", params={"tab": "all"}, headers=headers)).json()["counts"][
        "all"
    ] == 0
    refused = await ticketing_app.client.post(
        "/", json={"title": "x"}, headers=ticketing_app.as_operator("tickets_enabled")
    )
    assert refused.status_code == 403 and refused.json()["flag"] == "tickets_create"


async def test_the_answer_to_a_create_is_the_ticket_as_it_reads_back(ticketing_app: Ticketing) -> None:
    """Creation builds its answer from what it read and wrote, without reading the ticket back."""
    await ticketing_app.switch_module(True)
    admin = ticketing_app.as_operator(*ADMIN, "tickets_manage_labels_types")
    desk = await department(ticketing_app, "Service Desk")
    assignee = await ticketing_app.operator_known("grace")
    customer = await ticketing_app.client.post(
        "/customers", json={"company_name": "Initech", "ticket_number_prefix": "INI"}, headers=admin
    )
    contact = await ticketing_app.client.post(
        "/contacts",
        json={"first_name": "Peter", "last_name": "Gibbons", "email": "peter@initech.example",
              "customer_id": customer.json()["id"]},
        headers=admin,
    )  # fmt: skip
    label = await ticketing_app.client.post(
        "/labels", json={"name": "VIP", "color": "#aa0000"}, headers=admin
    )
    kind = await ticketing_app.client.post("/types", json={"name": "Hardware"}, headers=admin)
    assert all(r.status_code == 201 for r in (customer, contact, label, kind)), [customer.text, contact.text]

    created = await ticketing_app.client.post(
        "/",
        json={
            "title": "TPS report printer",
            "department_id": desk["id"],
            "priority": "high",
            "contact_email": "PETER@initech.example",
            "assignee_id": str(assignee),
            "type_id": kind.json()["id"],
            "label_ids": [label.json()["id"], label.json()["id"]],
            "description": {"body": "It jams.", "body_format": "plain_text"},
        },
        headers=admin,
    )
    assert created.status_code == 201, created.text
    read_back = await ticketing_app.client.get(f"/{created.json()['number']}", headers=admin)
    assert created.json() == read_back.json()
    assert created.json()["number"] == "INI-000001"
    assert created.json()["last_contact"]["direction"] == "outbound"
    found = await ticketing_app.client.get("/", params={"tab": "all", "search": "gibbons"}, headers=admin)
    assert [row["number"] for row in found.json()["rows"]] == ["INI-000001"], "search text written at create"
    history = (await ticketing_app.client.get("/INI-000001/history", headers=admin)).json()
    assert [entry["field"] for entry in history] == ["created", "comment"]


async def test_a_reference_the_caller_names_must_exist(ticketing_app: Ticketing) -> None:
    await ticketing_app.switch_module(True)
    headers = ticketing_app.as_operator(*AGENT)
    for field in ("department_id", "assignee_id", "type_id", "contact_id"):
        response = await ticketing_app.client.post(
            "/", json={"title": "Ghost", field: str(uuid.uuid4())}, headers=headers
        )
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == field
    response = await ticketing_app.client.post(
        "/", json={"title": "Ghost", "label_ids": [str(uuid.uuid4())]}, headers=headers
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "label_ids"
    assert await outbox(ticketing_app, "ticket_created") == []


async def test_a_department_deleted_while_a_ticket_is_created_answers_422_and_leaves_nothing(
    ticketing_app: Ticketing,
) -> None:
    """The read and the write are two statements. A real concurrent transaction deletes the
    department: the create reads it (the delete is not committed), its write waits on the row
    lock, the delete commits, and the foreign key refuses the write. No patching: the interleaving
    is made with PostgreSQL's own locks."""
    await ticketing_app.switch_module(True)
    desk = await department(ticketing_app, "Doomed")
    deleter = await asyncpg.connect(libpq_url(ticketing_app.database.url))
    try:
        transaction = deleter.transaction()
        await transaction.start()
        await deleter.execute("DELETE FROM ticketing.departments WHERE id = $1", uuid.UUID(desk["id"]))
        create = asyncio.create_task(
            ticketing_app.client.post(
                "/",
                json={"title": "Too late", "department_id": desk["id"]},
                headers=ticketing_app.as_operator(*AGENT),
            )
        )
        await _until_waiting_on_a_lock(deleter, create)
        await transaction.commit()
        response = await create
    finally:
        await deleter.close()
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0] == {
        "field": "department_id",
        "message": "It was deleted while the ticket was being created.",
    }, "refused by the foreign key at the write, not by the read"
    assert await ticketing_app.sql("SELECT id FROM ticketing.tickets") == []
    assert await outbox(ticketing_app, "ticket_created") == []


async def _until_waiting_on_a_lock(observer: asyncpg.Connection, task: asyncio.Task[Any]) -> None:
    for _ in range(200):
        assert not task.done(), "the create finished before the delete was committed"
        waiting = await observer.fetchval(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        if waiting:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the create never waited on the department's row lock")


async def test_priority_never_drops_below_the_slas_override(ticketing_app: Ticketing) -> None:
    await ticketing_app.switch_module(True)
    admin = ticketing_app.as_operator(*ADMIN)
    gold = await ticketing_app.sla_known("Gold", priority_override="high")
    customer = await ticketing_app.client.post(
        "/customers", json={"company_name": "Acme", "sla_id": str(gold)}, headers=admin
    )
    await ticketing_app.client.post(
        "/contacts", json={"email": "wile@acme.example", "customer_id": customer.json()["id"]}, headers=admin
    )
    low = await ticketing_app.client.post(
        "/", json={"title": "Anvil", "priority": "low", "contact_email": "wile@acme.example"}, headers=admin
    )
    assert low.status_code == 201 and low.json()["priority"] == "high", "raised to the SLA's floor"
    critical = await ticketing_app.client.patch(
        f"/{low.json()['number']}", json={"priority": "critical"}, headers=admin
    )
    assert critical.status_code == 200 and critical.json()["priority"] == "critical"
    lowered = await ticketing_app.client.patch(
        f"/{low.json()['number']}", json={"priority": "medium"}, headers=admin
    )
    assert lowered.status_code == 422 and lowered.json()["errors"][0]["field"] == "priority"
    assert "Gold" in lowered.json()["errors"][0]["message"]
    plain = await ticketing_app.client.post("/", json={"title": "No SLA", "priority": "low"}, headers=admin)
    assert plain.json()["priority"] == "low"


async def test_a_ticket_shows_its_contacts_devices_as_they_are_now(ticketing_app: Ticketing) -> None:
    """Seed 10.6: no device picker on the form; a ticket reaches devices through its contact."""
    from services.ticketing.tests.test_customers_contacts import add_tenant_with_devices

    await ticketing_app.switch_module(True)
    admin = ticketing_app.as_operator(*ADMIN)
    tenant_id, (printer, laptop) = await add_tenant_with_devices(
        ticketing_app, "Acme tenant", "printer-2", "laptop-7"
    )
    customer = await ticketing_app.client.post(
        "/customers", json={"company_name": "Acme", "tenant_id": str(tenant_id)}, headers=admin
    )
    contact = await ticketing_app.client.post(
        "/contacts",
        json={
            "email": "wile@acme.example",
            "customer_id": customer.json()["id"],
            "device_ids": [str(printer)],
        },
        headers=admin,
    )
    assert contact.status_code == 201, contact.text

    created = await ticketing_app.client.post(
        "/", json={"title": "Jams", "contact_email": "wile@acme.example"}, headers=admin
    )
    assert created.status_code == 201, created.text
    assert [(d["id"], d["name"]) for d in created.json()["devices"]] == [(str(printer), "printer-2")]
    assert created.json()["devices"][0]["attributes"] == {"os": "Linux"}
    number = created.json()["number"]

    relinked = await ticketing_app.client.patch(
        f"/contacts/{contact.json()['id']}", json={"device_ids": [str(printer), str(laptop)]}, headers=admin
    )
    assert relinked.status_code == 200, relinked.text
    read = (await ticketing_app.client.get(f"/{number}", headers=admin)).json()
    assert [d["name"] for d in read["devices"]] == ["laptop-7", "printer-2"], "by name, as linked now"

    bare = await ticketing_app.client.post("/", json={"title": "No contact"}, headers=admin)
    assert bare.json()["devices"] == []
    bare_read = await ticketing_app.client.get(f"/{bare.json()['number']}", headers=admin)
    assert bare_read.json()["devices"] == []
    queue = (await ticketing_app.client.get("/", params={"tab": "all"}, headers=admin)).json()
    assert "devices" not in queue["rows"][0], "the queue's rows carry the nine columns, not devices"
