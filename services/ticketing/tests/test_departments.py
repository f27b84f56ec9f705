"""Departments (seed 10.10, ticketing's sections): General, Members, Cleanup; published when changed."""

from __future__ import annotations

import orjson

from services.ticketing.tests.conftest import Ticketing

MANAGER = ("tickets_enabled", "tickets_manage_departments")


async def test_a_department_with_members_and_cleanup_is_created_read_changed_and_deleted(
    ticketing_app: Ticketing,
) -> None:
    await ticketing_app.switch_module(True)
    ada = await ticketing_app.operator_known("ada")
    bob = await ticketing_app.operator_known("bob")
    headers = ticketing_app.as_operator(*MANAGER)
    created = await ticketing_app.client.post(
        "/departments",
        json={
            "name": "Service Desk",
            "description": "First line",
            "auto_assign_on_open": True,
            "member_ids": [str(ada), str(bob)],
            "cleanup": {
                "close_inactive_days": 14,
                "close_statuses": ["waiting", "open"],
                "close_note": "Closed after two weeks without activity.",
                "delete_closed_after_days": 365,
                "delete_attachment_files": True,
            },
        },
        headers=headers,
    )
    assert created.status_code == 201, created.text
    department = created.json()
    assert [m["username"] for m in department["members"]] == ["ada", "bob"]
    assert department["cleanup"]["close_statuses"] == ["open", "waiting"]
    assert department["enabled"] is True and department["auto_assign_on_open"] is True

    reader = ticketing_app.as_operator("tickets_enabled")
    listed = (await ticketing_app.client.get("/departments", headers=reader)).json()
    assert [d["name"] for d in listed] == ["Service Desk"]

    changed = await ticketing_app.client.patch(
        f"/departments/{department['id']}", json={"member_ids": [str(bob)], "enabled": False}, headers=headers
    )
    assert [m["username"] for m in changed.json()["members"]] == ["bob"]
    assert changed.json()["enabled"] is False
    assert changed.json()["cleanup"] == department["cleanup"], "an edit without cleanup keeps it"

    assert (
        await ticketing_app.client.delete(f"/departments/{department['id']}", headers=headers)
    ).status_code == 204
    assert (
        await ticketing_app.client.get(f"/departments/{department['id']}", headers=reader)
    ).status_code == 404

    events = await ticketing_app.sql("SELECT event_type, payload FROM ticketing.outbox ORDER BY id")
    types = [e["event_type"] for e in events if e["event_type"] != "ticket_settings_changed"]
    assert types == ["department_changed", "department_changed", "department_removed"]
    last_change = orjson.loads(events[-2]["payload"])
    assert last_change["data"]["department"]["member_ids"] == [str(bob)]


async def test_departments_need_their_flag_to_change_but_not_to_read(ticketing_app: Ticketing) -> None:
    await ticketing_app.switch_module(True)
    refused = await ticketing_app.client.post(
        "/departments", json={"name": "X"}, headers=ticketing_app.as_operator("tickets_enabled")
    )
    assert refused.status_code == 403 and refused.json()["flag"] == "tickets_manage_departments"
    allowed = await ticketing_app.client.post(
        "/departments", json={"name": "X"}, headers=ticketing_app.as_operator(*MANAGER)
    )
    assert allowed.status_code == 201


async def test_bad_department_input_names_the_field_and_changes_nothing(ticketing_app: Ticketing) -> None:
    await ticketing_app.switch_module(True)
    headers = ticketing_app.as_operator(*MANAGER)
    await ticketing_app.client.post("/departments", json={"name": "Service Desk"}, headers=headers)
    for body, field in (
        ({"name": "service desk"}, "name"),
        ({"name": "B", "member_ids": ["00000000-0000-0000-0000-000000000001"]}, "member_ids"),
        ({"name": "C", "customer_id": "00000000-0000-0000-0000-000000000001"}, "customer_id"),
        ({"name": "D", "cleanup": {"close_inactive_days": 3}}, "cleanup"),
        (
            {"name": "E", "cleanup": {"close_inactive_days": 3, "close_statuses": ["closed"]}},
            "cleanup.close_statuses.0",
        ),
        (
            {"name": "F", "cleanup": {"close_inactive_days": 0, "close_statuses": ["open"]}},
            "cleanup.close_inactive_days",
        ),
        ({"name": "G", "imap_server": "mail.example.com"}, "imap_server"),
    ):
        response = await ticketing_app.client.post("/departments", json=body, headers=headers)
        assert response.status_code == 422, body
        assert any(e["field"] == field for e in response.json()["errors"]), (field, response.json())
    names = [d["name"] for d in (await ticketing_app.client.get("/departments", headers=headers)).json()]
    assert names == ["Service Desk"]
