"""Operators and roles: administration behind operators_manage, events for other services."""

from __future__ import annotations

import asyncpg

from helpdesk_cli.admin import create_administrator_account
from helpdesk_common.db import libpq_url
from services.gateway.tests.conftest import PASSWORD, Gateway

NEW_OPERATOR = {
    "username": "grace",
    "email": "grace@example.com",
    "display_name": "Grace Hopper",
    "password": "a long enough password",
}


async def outbox_types(gateway: Gateway) -> list[str]:
    connection = await asyncpg.connect(libpq_url(gateway.database.url))
    try:
        rows = await connection.fetch("SELECT event_type FROM identity.outbox ORDER BY id")
    finally:
        await connection.close()
    return [row["event_type"] for row in rows]


async def test_operators_manage_is_needed_and_named_when_missing(gateway_app: Gateway) -> None:
    await gateway_app.operator("clerk", "tickets_enabled")
    await gateway_app.operator("boss", "operators_manage")
    refused = await gateway_app.new_client().post(
        "/api/operators", json=NEW_OPERATOR, headers=await gateway_app.bearer("clerk")
    )
    assert refused.status_code == 403 and refused.json()["flag"] == "operators_manage"
    allowed = await gateway_app.new_client().post(
        "/api/operators", json=NEW_OPERATOR, headers=await gateway_app.bearer("boss")
    )
    assert allowed.status_code == 201, allowed.text


async def test_an_administrator_manages_the_whole_life_of_an_operator(gateway_app: Gateway) -> None:
    await gateway_app.administrator()
    admin = gateway_app.new_client()
    admin.headers.update(await gateway_app.bearer("admin"))

    role = (
        await admin.post("/api/roles", json={"name": "Agent", "flags": ["tickets_enabled", "tickets_create"]})
    ).json()
    created = await admin.post(
        "/api/operators", json={**NEW_OPERATOR, "flags": ["tickets_assign"], "role_ids": [role["id"]]}
    )
    assert created.status_code == 201
    grace = created.json()
    assert grace["effective_flags"] == ["tickets_assign", "tickets_create", "tickets_enabled"]
    assert grace["roles"] == [{"id": role["id"], "name": "Agent"}]
    assert "password" not in grace and "password_hash" not in grace

    listed = (await admin.get("/api/operators", params={"search": "HOPPER"})).json()
    assert [o["username"] for o in listed] == ["grace"]

    grace_client, _ = await gateway_app.signed_in("grace", "a long enough password")
    edited = await admin.patch(f"/api/operators/{grace['id']}", json={"display_name": "Rear Admiral Hopper"})
    assert edited.json()["display_name"] == "Rear Admiral Hopper"

    await admin.patch(f"/api/roles/{role['id']}", json={"flags": ["tickets_enabled"]})
    assert (await admin.get(f"/api/operators/{grace['id']}")).json()["effective_flags"] == [
        "tickets_assign",
        "tickets_enabled",
    ]

    disabled = await admin.post(f"/api/operators/{grace['id']}/disable")
    assert disabled.json()["active"] is False
    assert (await grace_client.get("/api/auth/me")).status_code == 401, "disabling ends every session"

    assert (await admin.delete(f"/api/operators/{grace['id']}")).status_code == 204
    assert (await admin.get(f"/api/operators/{grace['id']}")).status_code == 404
    assert await outbox_types(gateway_app) == [
        "operator_upserted",  # admin
        "operator_upserted",  # grace created
        "operator_upserted",  # renamed
        "operator_upserted",  # disabled
        "operator_removed",
    ]


async def test_operator_input_errors_name_the_field_and_change_nothing(gateway_app: Gateway) -> None:
    await gateway_app.administrator()
    admin = gateway_app.new_client()
    admin.headers.update(await gateway_app.bearer("admin"))
    assert (await admin.post("/api/operators", json=NEW_OPERATOR)).status_code == 201

    cases = {
        "username": {**NEW_OPERATOR, "username": "GRACE", "email": "other@example.com"},
        "email": {**NEW_OPERATOR, "username": "other", "email": "Grace@Example.com"},
        "flags": {**NEW_OPERATOR, "username": "x1", "email": "x1@example.com", "flags": ["root"]},
        "role_ids": {
            **NEW_OPERATOR,
            "username": "x2",
            "email": "x2@example.com",
            "role_ids": ["00000000-0000-0000-0000-000000000000"],
        },
        "password": {**NEW_OPERATOR, "username": "x3", "email": "x3@example.com", "password": "short"},
        "is_superuser": {**NEW_OPERATOR, "username": "x4", "email": "x4@example.com", "is_superuser": True},
    }
    for field, body in cases.items():
        response = await admin.post("/api/operators", json=body)
        assert response.status_code == 422, (field, response.text)
        assert any(error["field"] == field for error in response.json()["errors"]), (field, response.json())
    usernames = [o["username"] for o in (await admin.get("/api/operators")).json()]
    assert usernames == ["admin", "grace"]

    me = (await admin.get("/api/auth/me")).json()
    assert (await admin.delete(f"/api/operators/{me['id']}")).status_code == 409
    assert (await admin.post("/api/roles", json={"name": "Administrator"})).status_code == 422


async def test_the_permission_catalogue_names_every_flag_of_both_documents(gateway_app: Gateway) -> None:
    await gateway_app.operator("ada")
    catalogue = (
        await gateway_app.new_client().get("/api/permissions", headers=await gateway_app.bearer("ada"))
    ).json()
    for flag in (
        "tickets_enabled",
        "tickets_manage_webhooks",
        "settings_system_enabled",
        "incidents.manage",
        "problems.manage",
        "changes.approve",
        "service_requests.manage",
        "service_catalog.manage",
    ):
        assert flag in catalogue
    assert len([f for f in catalogue if f.startswith("tickets_")]) == 15


async def test_helpdesk_admin_create_makes_an_administrator_who_can_sign_in(gateway_app: Gateway) -> None:
    operator = await create_administrator_account(
        gateway_app.database.url, "root", "root@example.com", "Root", PASSWORD
    )
    client, _ = await gateway_app.signed_in("root")
    me = (await client.get("/api/auth/me")).json()
    assert me["id"] == str(operator.id)
    assert "operators_manage" in me["effective_flags"] and "incidents.manage" in me["effective_flags"]
    assert await outbox_types(gateway_app) == ["operator_upserted"]
