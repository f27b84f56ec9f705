"""SLA definitions (seed 10.15): the gate, create/list/read/change/delete, validation naming the
field, and an event in the outbox for every change."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import orjson
import pytest

MANAGER = ("tickets_enabled", "tickets_manage_sla")

Headers = Callable[..., dict[str, str]]
Sql = Callable[[str], Awaitable[list[Any]]]
Switch = Callable[[bool], Awaitable[None]]


async def outbox(sql: Sql) -> list[dict[str, Any]]:
    rows = await sql("SELECT event_type, subject, payload FROM sla.outbox ORDER BY id")
    return [{**orjson.loads(r["payload"]), "bus_subject": r["subject"]} for r in rows]


async def create(client: httpx.AsyncClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = await client.post("/definitions", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_every_endpoint_needs_tickets_enabled_the_module_switch_and_tickets_manage_sla(
    sla_client: httpx.AsyncClient, as_operator: Headers, switch_module: Switch
) -> None:
    some_id = uuid.uuid4()
    requests: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", "/definitions", None),
        ("POST", "/definitions", {"name": "Gold"}),
        ("GET", f"/definitions/{some_id}", None),
        ("PATCH", f"/definitions/{some_id}", {"name": "Silver"}),
        ("DELETE", f"/definitions/{some_id}", None),
    ]
    for method, path, body in requests:
        anonymous = await sla_client.request(method, path, json=body)
        assert anonymous.status_code == 401, path
        no_module_flag = await sla_client.request(
            method, path, json=body, headers=as_operator("tickets_manage_sla")
        )
        assert no_module_flag.status_code == 403 and no_module_flag.json()["flag"] == "tickets_enabled"
        switched_off = await sla_client.request(method, path, json=body, headers=as_operator(*MANAGER))
        assert switched_off.status_code == 403 and switched_off.json()["reason"] == "module_disabled", path

    await switch_module(True)
    for method, path, body in requests:
        refused = await sla_client.request(method, path, json=body, headers=as_operator("tickets_enabled"))
        assert refused.status_code == 403, path
        assert refused.json()["flag"] == "tickets_manage_sla", path
        allowed = await sla_client.request(method, path, json=body, headers=as_operator(*MANAGER))
        assert allowed.status_code < 500 and allowed.status_code not in (401, 403), (path, allowed.text)


async def test_an_sla_is_created_listed_read_changed_and_deleted_with_an_event_each_time(
    sla_client: httpx.AsyncClient, as_operator: Headers, switch_module: Switch, sql: Sql
) -> None:
    await switch_module(True)
    headers = as_operator(*MANAGER)
    gold = await create(
        sla_client,
        headers,
        name="  Gold ",
        response_hours=4,
        resolution_hours=24,
        priority_override="high",
        description="Key accounts",
    )
    assert {k: gold[k] for k in ("name", "response_hours", "resolution_hours", "priority_override")} == {
        "name": "Gold",
        "response_hours": 4,
        "resolution_hours": 24,
        "priority_override": "high",
    }
    bronze = await create(sla_client, headers, name="bronze")
    assert bronze["response_hours"] is None and bronze["priority_override"] is None
    assert bronze["description"] == ""

    listed = (await sla_client.get("/definitions", headers=headers)).json()
    assert [row["name"] for row in listed] == ["bronze", "Gold"], "ordered by name, whatever the case"
    assert (await sla_client.get(f"/definitions/{gold['id']}", headers=headers)).json() == gold

    changed = await sla_client.patch(
        f"/definitions/{gold['id']}",
        json={"response_hours": None, "priority_override": None, "description": "All accounts"},
        headers=headers,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["name"] == "Gold", "a field not sent is left as it was"
    assert changed.json()["response_hours"] is None and changed.json()["resolution_hours"] == 24
    assert changed.json()["description"] == "All accounts"

    deleted = await sla_client.delete(f"/definitions/{bronze['id']}", headers=headers)
    assert deleted.status_code == 204
    gone = await sla_client.get(f"/definitions/{bronze['id']}", headers=headers)
    assert gone.status_code == 404
    assert (await sla_client.delete(f"/definitions/{bronze['id']}", headers=headers)).status_code == 404

    events = await outbox(sql)
    assert [(e["type"], e["bus_subject"], e["data"]["sla"]["name"]) for e in events] == [
        ("sla_definition_upserted", "sla.definition.upserted", "Gold"),
        ("sla_definition_upserted", "sla.definition.upserted", "bronze"),
        ("sla_definition_upserted", "sla.definition.upserted", "Gold"),
        ("sla_definition_removed", "sla.definition.removed", "bronze"),
    ]
    assert events[0]["data"]["sla"] == {
        "id": gold["id"],
        "name": "Gold",
        "response_hours": 4,
        "resolution_hours": 24,
        "priority_override": "high",
        "description": "Key accounts",
        # The defaults, published so that every reader counts the same way.
        "warning_share": 0.5,
        "critical_share": 0.2,
        "calendar_id": None,
        "pause_while_waiting": False,
        "on_reopen": "keep_deadlines",
    }
    assert events[2]["data"]["sla"]["response_hours"] is None
    assert events[2]["data"]["sla"]["description"] == "All accounts"
    assert all(e["source"] == "sla-engine" and e["subject"] == e["data"]["sla"]["id"] for e in events)


async def test_bad_input_is_refused_with_422_naming_the_field_and_changes_nothing(
    sla_client: httpx.AsyncClient, as_operator: Headers, switch_module: Switch, sql: Sql
) -> None:
    await switch_module(True)
    headers = as_operator(*MANAGER)
    gold = await create(sla_client, headers, name="Gold", response_hours=4)
    silver = await create(sla_client, headers, name="Silver")
    before = await outbox(sql)

    for body, field in (
        ({}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "GOLD"}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "New", "response_hours": 0}, "response_hours"),
        ({"name": "New", "response_hours": -4}, "response_hours"),
        ({"name": "New", "response_hours": "4"}, "response_hours"),
        ({"name": "New", "resolution_hours": 1.5}, "resolution_hours"),
        ({"name": "New", "resolution_hours": True}, "resolution_hours"),
        ({"name": "New", "resolution_hours": 10**9}, "resolution_hours"),
        ({"name": "New", "priority_override": "urgent"}, "priority_override"),
        ({"name": "New", "description": "x" * 4001}, "description"),
        ({"name": "New", "colour": "gold"}, "colour"),
    ):
        response = await sla_client.post("/definitions", json=body, headers=headers)
        assert response.status_code == 422, (body, response.text)
        problem = response.json()
        assert problem["type"] == "urn:helpdesk:problem:validation"
        assert any(error["field"] == field for error in problem["errors"]), (field, problem)

    for body, field in (
        ({"name": "silver"}, "name"),
        ({"name": None}, "name"),
        ({"description": None}, "description"),
        ({"response_hours": 0}, "response_hours"),
        ({"priority_override": "none"}, "priority_override"),
    ):
        response = await sla_client.patch(f"/definitions/{gold['id']}", json=body, headers=headers)
        assert response.status_code == 422, (body, response.text)
        assert any(error["field"] == field for error in response.json()["errors"]), (field, response.json())

    renamed = await sla_client.patch(f"/definitions/{gold['id']}", json={"name": "gold"}, headers=headers)
    assert renamed.status_code == 200, "its own name in another case is no clash"
    missing = await sla_client.patch(f"/definitions/{uuid.uuid4()}", json={"name": "X"}, headers=headers)
    assert missing.status_code == 404
    assert [
        row["name"] for row in await sql("SELECT name FROM sla.sla_definitions ORDER BY lower(name)")
    ] == [
        "gold",
        silver["name"],
    ]
    assert len(await outbox(sql)) == len(before) + 1, "only the rename published an event"


async def test_an_older_settings_event_arriving_late_does_not_turn_the_switch_back(
    sla_client: httpx.AsyncClient, as_operator: Headers, switch_module: Switch, sql: Sql
) -> None:
    await switch_module(False)
    await switch_module(True)
    await sql("UPDATE sla.module_switch SET changed_at = now() + interval '1 hour'")
    await switch_module(False)
    assert (await sla_client.get("/definitions", headers=as_operator(*MANAGER))).status_code == 200


@pytest.mark.parametrize("field", ["name", "description"])
async def test_null_for_a_name_or_description_is_refused(
    sla_client: httpx.AsyncClient, as_operator: Headers, switch_module: Switch, field: str
) -> None:
    await switch_module(True)
    headers = as_operator(*MANAGER)
    created = await create(sla_client, headers, name="Gold", response_hours=4)
    response = await sla_client.patch(f"/definitions/{created['id']}", json={field: None}, headers=headers)
    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["errors"]] == [field]
    cleared = await sla_client.patch(
        f"/definitions/{created['id']}", json={"response_hours": None}, headers=headers
    )
    assert cleared.status_code == 200 and cleared.json()["name"] == "Gold"


async def test_thresholds_calendar_pause_and_reopen_rule_are_kept_and_refused_under_their_field(
    sla_client: httpx.AsyncClient, as_operator: Headers, switch_module: Switch, sql: Sql
) -> None:
    await switch_module(True)
    headers = as_operator(*MANAGER)
    office = await sla_client.post(
        "/calendars",
        json={
            "name": "Office",
            "time_zone": "Europe/Berlin",
            "working_hours": [{"weekday": day, "start": "09:00", "end": "17:00"} for day in range(5)],
        },
        headers=headers,
    )
    assert office.status_code == 201, office.text
    calendar_id = office.json()["id"]
    business = await create(
        sla_client,
        headers,
        name="Business",
        resolution_hours=8,
        warning_share=0.4,
        critical_share=0.1,
        calendar_id=calendar_id,
        pause_while_waiting=True,
        on_reopen="restart_from_reopen",
    )
    assert {k: business[k] for k in ("warning_share", "critical_share", "calendar_id")} == {
        "warning_share": 0.4,
        "critical_share": 0.1,
        "calendar_id": calendar_id,
    }
    assert business["pause_while_waiting"] is True and business["on_reopen"] == "restart_from_reopen"
    published = (await outbox(sql))[-1]["data"]["sla"]
    assert (published["calendar_id"], published["warning_share"]) == (calendar_id, 0.4)

    async def refused(method: str, path: str, body: dict[str, Any]) -> str:
        answer = await sla_client.request(method, path, json=body, headers=headers)
        assert answer.status_code == 422, answer.text
        return str(answer.json()["errors"][0]["field"])

    assert await refused("POST", "/definitions", {"name": "X", "critical_share": 0.6}) == "critical_share"
    assert await refused("POST", "/definitions", {"name": "X", "warning_share": 1}) == "warning_share"
    assert (
        await refused("POST", "/definitions", {"name": "X", "calendar_id": str(uuid.uuid4())})
        == "calendar_id"
    )
    assert await refused("POST", "/definitions", {"name": "X", "on_reopen": "never"}) == "on_reopen"
    # A share sent alone is checked against the one stored.
    path = f"/definitions/{business['id']}"
    assert await refused("PATCH", path, {"warning_share": 0.05}) == "critical_share"
    assert await refused("PATCH", path, {"pause_while_waiting": None}) == "pause_while_waiting"

    in_use = await sla_client.delete(f"/calendars/{calendar_id}", headers=headers)
    assert in_use.status_code == 409 and "Business" in in_use.json()["detail"], in_use.text
    cleared = await sla_client.patch(path, json={"calendar_id": None}, headers=headers)
    assert cleared.status_code == 200 and cleared.json()["calendar_id"] is None
    assert (await sla_client.delete(f"/calendars/{calendar_id}", headers=headers)).status_code == 204
