"""Bad input is a 422 naming the field (or, in a body, NUL is dropped), and nothing stored changes."""

from __future__ import annotations

from typing import Any

import pytest

from services.ticketing.tests.conftest import Ticketing
from services.ticketing.tests.test_tickets import ADMIN, AGENT, department

MANAGER = (
    *ADMIN,
    "tickets_manage_labels_types",
    "tickets_manage_templates",
)


def errors_of(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return list(response.json()["errors"])


async def ticket(ticketing_app: Ticketing, **fields: Any) -> dict[str, Any]:
    created = await ticketing_app.client.post(
        "/", json={"title": "Printer", **fields}, headers=ticketing_app.as_operator(*AGENT)
    )
    assert created.status_code == 201, created.text
    return dict(created.json())


async def test_nul_in_text_is_refused_naming_the_field(ticketing_app: Ticketing) -> None:
    await ticketing_app.switch_module(True)
    headers = ticketing_app.as_operator(*MANAGER)
    refused = [
        ("/", {"title": "Printer\x00"}, "title"),
        ("/customers", {"company_name": "ACME\x00"}, "company_name"),
        ("/contacts", {"email": "ada@example.com", "first_name": "A\x00"}, "first_name"),
        ("/departments", {"name": "Desk", "description": "x\x00"}, "description"),
        ("/labels", {"name": "L\x00", "color": "#fff"}, "name"),
        ("/types", {"name": "T\x00"}, "name"),
        ("/templates", {"name": "N\x00", "type": "ticket"}, "name"),
        ("/", {"title": "ok", "label_ids": [], "contact_email": "a\x00@example.com"}, "contact_email"),
    ]
    for path, body, field in refused:
        response = await ticketing_app.client.post(path, json=body, headers=headers)
        assert [e["field"] for e in errors_of(response)] == [field], (path, response.text)
    searched = await ticketing_app.client.get("/", params={"search": "x\x00y"}, headers=headers)
    assert [e["field"] for e in errors_of(searched)] == ["search"]
    customers = await ticketing_app.client.get("/customers", params={"search": "\x00"}, headers=headers)
    assert [e["field"] for e in errors_of(customers)] == ["search"]

    existing = await ticket(ticketing_app)
    edited = await ticketing_app.client.patch(
        f"/{existing['number']}", json={"title": "New\x00"}, headers=headers
    )
    assert [e["field"] for e in errors_of(edited)] == ["title"]
    rows = await ticketing_app.sql("SELECT title FROM ticketing.tickets")
    assert [row["title"] for row in rows] == ["Printer"], "nothing stored changed"


async def test_nul_in_a_message_body_is_dropped_and_the_message_kept(ticketing_app: Ticketing) -> None:
    await ticketing_app.switch_module(True)
    created = await ticket(ticketing_app, description={"body": "first\x00line", "body_format": "plain_text"})
    comment = await ticketing_app.client.post(
        f"/{created['number']}/comments",
        json={"body": "<p>log: a\x00b</p>", "direction": "internal"},
        headers=ticketing_app.as_operator(*AGENT),
    )
    assert comment.status_code == 201, comment.text
    assert comment.json()["body_text"] == "log: ab"
    closed = await ticketing_app.client.post(
        f"/{created['number']}/close", json={"comment": "done\x00"}, headers=ticketing_app.as_operator(*AGENT)
    )
    assert closed.status_code == 200, closed.text
    texts = await ticketing_app.sql("SELECT body_text FROM ticketing.comments ORDER BY created_at")
    assert [row["body_text"] for row in texts] == ["firstline", "log: ab", "done"]


@pytest.mark.parametrize("field", ["title", "status", "priority", "label_ids"])
async def test_null_for_a_ticket_field_that_cannot_be_empty_is_refused(
    ticketing_app: Ticketing, field: str
) -> None:
    await ticketing_app.switch_module(True)
    created = await ticket(ticketing_app, priority="high")
    response = await ticketing_app.client.patch(
        f"/{created['number']}", json={field: None}, headers=ticketing_app.as_operator(*AGENT)
    )
    assert errors_of(response) == [
        {"field": field, "message": "May not be null: leave the field out to keep its value."}
    ]
    after = await ticketing_app.client.get(f"/{created['number']}", headers=ticketing_app.as_operator(*AGENT))
    assert {key: after.json()[key] for key in ("title", "status", "priority")} == {
        "title": "Printer",
        "status": "open",
        "priority": "high",
    }


async def test_null_still_clears_what_may_be_cleared(ticketing_app: Ticketing) -> None:
    await ticketing_app.switch_module(True)
    desk = await department(ticketing_app, "Desk")
    created = await ticket(ticketing_app, department_id=desk["id"])
    cleared = await ticketing_app.client.patch(
        f"/{created['number']}",
        json={"department_id": None, "type_id": None},
        headers=ticketing_app.as_operator(*AGENT),
    )
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["department"] is None


async def test_null_in_every_record_patch_is_refused_for_fields_that_cannot_be_empty(
    ticketing_app: Ticketing,
) -> None:
    await ticketing_app.switch_module(True)
    headers = ticketing_app.as_operator(*MANAGER)

    async def make(path: str, body: dict[str, Any]) -> str:
        response = await ticketing_app.client.post(path, json=body, headers=headers)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    records = {
        "/customers": (await make("/customers", {"company_name": "ACME"}), ["company_name", "notes"]),
        "/contacts": (await make("/contacts", {"email": "ada@example.com"}), ["email", "device_ids"]),
        "/departments": (await make("/departments", {"name": "Desk"}), ["name", "enabled", "cleanup"]),
        "/labels": (await make("/labels", {"name": "VIP", "color": "#fc0"}), ["name", "color"]),
        "/types": (await make("/types", {"name": "Incident"}), ["name", "description"]),
        "/templates": (await make("/templates", {"name": "Hi", "type": "email"}), ["name", "body"]),
    }
    for path, (record_id, fields) in records.items():
        for field in fields:
            response = await ticketing_app.client.patch(
                f"{path}/{record_id}", json={field: None}, headers=headers
            )
            assert [e["field"] for e in errors_of(response)] == [field], (path, response.text)
    names = await ticketing_app.sql("SELECT company_name FROM ticketing.customers")
    assert [row["company_name"] for row in names] == ["ACME"]


@pytest.mark.parametrize("body", ["", "   ", "<p></p>", "<p> <br></p>", "<script>alert(1)</script>"])
async def test_an_empty_comment_is_refused(ticketing_app: Ticketing, body: str) -> None:
    await ticketing_app.switch_module(True)
    created = await ticket(ticketing_app)
    response = await ticketing_app.client.post(
        f"/{created['number']}/comments",
        json={"body": body, "body_format": "html", "direction": "internal"},
        headers=ticketing_app.as_operator(*AGENT),
    )
    assert errors_of(response) == [{"field": "body", "message": "A comment needs some text."}]
    assert await ticketing_app.sql("SELECT id FROM ticketing.comments") == []


async def test_an_outbound_reply_needs_tickets_edit_but_a_note_does_not(ticketing_app: Ticketing) -> None:
    await ticketing_app.switch_module(True)
    desk = await department(ticketing_app, "Desk")
    created = await ticket(ticketing_app, department_id=desk["id"], contact_email="ada@example.com")
    reader = ticketing_app.as_operator("tickets_enabled", "tickets_view_all_departments")
    reply = await ticketing_app.client.post(
        f"/{created['number']}/comments", json={"body": "Fixed", "direction": "outbound"}, headers=reader
    )
    assert reply.status_code == 403, reply.text
    assert reply.json()["flag"] == "tickets_edit"
    note = await ticketing_app.client.post(
        f"/{created['number']}/comments", json={"body": "Seen it", "direction": "internal"}, headers=reader
    )
    assert note.status_code == 201, note.text
    outbound = await ticketing_app.sql(
        "SELECT id FROM ticketing.outbox WHERE event_type = 'mail_outbound_requested'"
    )
    assert outbound == [], "no mail was requested for the refused reply"
