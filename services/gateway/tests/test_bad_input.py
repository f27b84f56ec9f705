"""Operators and roles refuse null for what cannot be empty, and NUL anywhere, naming the field."""

from __future__ import annotations

import pytest

from services.gateway.tests.conftest import PASSWORD, Gateway


@pytest.mark.parametrize(
    "field", ["username", "email", "display_name", "password", "active", "flags", "role_ids"]
)
async def test_null_in_an_operator_patch_is_refused(gateway_app: Gateway, field: str) -> None:
    await gateway_app.administrator()
    target = await gateway_app.operator("grace", "tickets_enabled")
    headers = await gateway_app.bearer("admin")
    response = await gateway_app.client.patch(
        f"/api/operators/{target.id}", json={field: None}, headers=headers
    )
    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["errors"]] == [field]
    unchanged = await gateway_app.client.get(f"/api/operators/{target.id}", headers=headers)
    assert unchanged.json()["username"] == "grace" and unchanged.json()["active"] is True
    await gateway_app.signed_in("grace", PASSWORD)  # the password still works


async def test_null_in_a_role_patch_and_nul_in_text_are_refused(gateway_app: Gateway) -> None:
    await gateway_app.administrator()
    headers = await gateway_app.bearer("admin")
    role = await gateway_app.client.post("/api/roles", json={"name": "Agents"}, headers=headers)
    assert role.status_code == 201, role.text
    for body, field in (({"name": None}, "name"), ({"flags": None}, "flags"), ({"name": "A\x00"}, "name")):
        response = await gateway_app.client.patch(
            f"/api/roles/{role.json()['id']}", json=body, headers=headers
        )
        assert response.status_code == 422, response.text
        assert [error["field"] for error in response.json()["errors"]] == [field]
    searched = await gateway_app.client.get("/api/operators", params={"search": "a\x00"}, headers=headers)
    assert searched.status_code == 422 and searched.json()["errors"][0]["field"] == "search"


async def test_a_password_keeps_its_spaces(gateway_app: Gateway) -> None:
    await gateway_app.administrator()
    headers = await gateway_app.bearer("admin")
    spaced = "  a password with spaces  "
    created = await gateway_app.client.post(
        "/api/operators",
        json={"username": "lin", "email": "lin@example.com", "display_name": "Lin", "password": spaced},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    await gateway_app.signed_in("lin", spaced)
