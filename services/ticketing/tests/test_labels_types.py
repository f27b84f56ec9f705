"""Labels and types (seed 10.14) behind the module gate and tickets_manage_labels_types."""

from __future__ import annotations

from services.ticketing.tests.conftest import Ticketing

MANAGER = ("tickets_enabled", "tickets_manage_labels_types")


async def test_every_ticket_endpoint_needs_the_module_switch_and_tickets_enabled(
    ticketing_app: Ticketing,
) -> None:
    off = await ticketing_app.client.get("/labels", headers=ticketing_app.as_operator(*MANAGER))
    assert off.status_code == 403
    assert off.json()["reason"] == "module_disabled"
    assert "Ticket System Enabled" in off.json()["detail"]

    await ticketing_app.switch_module(True)
    without_module_flag = await ticketing_app.client.get(
        "/labels", headers=ticketing_app.as_operator("tickets_manage_labels_types")
    )
    assert without_module_flag.status_code == 403 and without_module_flag.json()["flag"] == "tickets_enabled"
    assert (
        await ticketing_app.client.get("/labels", headers=ticketing_app.as_operator(*MANAGER))
    ).status_code == 200


async def test_labels_and_types_are_managed_with_their_flag_only(ticketing_app: Ticketing) -> None:
    await ticketing_app.switch_module(True)
    reader = ticketing_app.as_operator("tickets_enabled")
    manager = ticketing_app.as_operator(*MANAGER)
    refused = await ticketing_app.client.post(
        "/labels", json={"name": "VIP", "color": "#FC0"}, headers=reader
    )
    assert refused.status_code == 403 and refused.json()["flag"] == "tickets_manage_labels_types"

    label = await ticketing_app.client.post("/labels", json={"name": "VIP", "color": "#FC0"}, headers=manager)
    assert label.status_code == 201
    assert label.json()["color"] == "#ffcc00"
    kind = await ticketing_app.client.post(
        "/types", json={"name": "Hardware", "description": "Broken things"}, headers=manager
    )
    assert kind.status_code == 201

    assert [x["name"] for x in (await ticketing_app.client.get("/labels", headers=reader)).json()] == ["VIP"]
    assert [x["name"] for x in (await ticketing_app.client.get("/types", headers=reader)).json()] == [
        "Hardware"
    ]

    renamed = await ticketing_app.client.patch(
        f"/labels/{label.json()['id']}", json={"color": "#E11D48"}, headers=manager
    )
    assert renamed.json() == {**label.json(), "color": "#e11d48"}
    assert (
        await ticketing_app.client.delete(f"/types/{kind.json()['id']}", headers=manager)
    ).status_code == 204
    assert (await ticketing_app.client.get("/types", headers=reader)).json() == []


async def test_no_types_are_shipped(ticketing_app: Ticketing) -> None:
    await ticketing_app.switch_module(True)
    assert (
        await ticketing_app.client.get("/types", headers=ticketing_app.as_operator("tickets_enabled"))
    ).json() == []


async def test_bad_label_and_type_input_names_the_field(ticketing_app: Ticketing) -> None:
    await ticketing_app.switch_module(True)
    manager = ticketing_app.as_operator(*MANAGER)
    await ticketing_app.client.post("/labels", json={"name": "VIP", "color": "#ffcc00"}, headers=manager)
    for body, field in (
        ({"name": "vip", "color": "#000000"}, "name"),
        ({"name": "Red", "color": "red"}, "color"),
        ({"name": "Red", "color": "#12345"}, "color"),
        ({"name": "", "color": "#123456"}, "name"),
        ({"name": "Red", "color": "#123456", "icon": "x"}, "icon"),
    ):
        response = await ticketing_app.client.post("/labels", json=body, headers=manager)
        assert response.status_code == 422, body
        assert any(error["field"] == field for error in response.json()["errors"]), response.json()
    missing = await ticketing_app.client.delete(
        "/labels/00000000-0000-0000-0000-000000000000", headers=manager
    )
    assert missing.status_code == 404
    assert len((await ticketing_app.client.get("/labels", headers=manager)).json()) == 1
