"""Module settings (seed 10.2): the master switch, the number prefix, blocked extensions."""

from __future__ import annotations

import asyncio

import asyncpg
import orjson
from alembic import command

from helpdesk_common.db import libpq_url
from helpdesk_common.files import DEFAULT_BLOCKED_EXTENSIONS
from helpdesk_common.migrations import alembic_config
from helpdesk_common.provisioning import provision
from helpdesk_common.testing.plugin import TestDatabase
from services.ticketing.tests.conftest import Ticketing
from ticketing.main import service as ticketing

ADMIN = ("settings_system_enabled",)


async def test_the_module_ships_off_with_the_tkt_prefix_and_executables_blocked(
    ticketing_app: Ticketing,
) -> None:
    response = await ticketing_app.client.get("/settings", headers=ticketing_app.as_operator(*ADMIN))
    assert response.status_code == 200
    body = response.json()
    assert body["ticket_system_enabled"] is False
    assert body["ticket_number_prefix"] == "TKT"
    assert body["blocked_extensions"] == list(DEFAULT_BLOCKED_EXTENSIONS)
    named_by_the_upload_guidance = ".exe .bat .cmd .com .scr .pif .msi .ps1 .vbs .js .jse .wsf .hta .jar .lnk"
    assert set(named_by_the_upload_guidance.split()) <= set(body["blocked_extensions"])


async def test_an_existing_deployment_gets_the_default_list_unless_its_administrator_chose_one(
    database: TestDatabase,
) -> None:
    """Migration 0009 on databases migrated before it: a list never chosen becomes the default one."""
    for chosen, expected in ((False, list(DEFAULT_BLOCKED_EXTENSIONS)), (True, [])):
        name = f"{database.name}_{'chosen' if chosen else 'default'}"
        own = TestDatabase(admin_url=database.admin_url, name=name)
        password = "migration-test-password"
        own.passwords[ticketing.database_role] = password
        await provision(own.admin_url, name, [ticketing.account(password)])
        config = alembic_config(
            migrations_dir=ticketing.migrations_dir,
            url=own.url,
            schema="ticketing",
            role=ticketing.database_role,
        )
        await asyncio.to_thread(command.upgrade, config, "0008")
        connection = await asyncpg.connect(libpq_url(own.url))
        try:
            # As a deployment made before 0009 holds it: nothing blocked, chosen by an administrator or not.
            chooser = "gen_random_uuid()" if chosen else "NULL"
            await connection.execute(
                f"UPDATE ticketing.module_settings SET updated_by = {chooser}, blocked_extensions = '{{}}'"
            )
            await asyncio.to_thread(command.upgrade, config, "heads")
            found = await connection.fetchval("SELECT blocked_extensions FROM ticketing.module_settings")
        finally:
            await connection.close()
        assert found == expected


async def test_settings_need_settings_system_enabled(ticketing_app: Ticketing) -> None:
    refused = await ticketing_app.client.get(
        "/settings", headers=ticketing_app.as_operator("tickets_enabled")
    )
    assert refused.status_code == 403 and refused.json()["flag"] == "settings_system_enabled"


async def test_extensions_are_normalised_to_one_lowercase_dotted_entry_and_changes_are_published(
    ticketing_app: Ticketing,
) -> None:
    response = await ticketing_app.client.put(
        "/settings",
        json={
            "ticket_system_enabled": True,
            "ticket_number_prefix": "help",
            "blocked_extensions": [".EXE", "exe", ".exe", "BAT", ".ps1"],
        },
        headers=ticketing_app.as_operator(*ADMIN),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["blocked_extensions"] == [".bat", ".exe", ".ps1"]
    assert body["ticket_number_prefix"] == "HELP"
    assert body["ticket_system_enabled"] is True

    rows = await ticketing_app.sql("SELECT event_type, subject, payload FROM ticketing.outbox")
    assert [(r["event_type"], r["subject"]) for r in rows] == [
        ("ticket_settings_changed", "ticketing.settings.changed")
    ]
    assert orjson.loads(rows[0]["payload"])["data"]["blocked_extensions"] == [".bat", ".exe", ".ps1"]


async def test_invalid_settings_name_the_field_and_change_nothing(ticketing_app: Ticketing) -> None:
    headers = ticketing_app.as_operator(*ADMIN)
    valid = {"ticket_system_enabled": True, "ticket_number_prefix": "TKT", "blocked_extensions": []}
    for field, value in (
        ("ticket_number_prefix", "T K T"),
        ("ticket_number_prefix", "1ABC"),
        ("ticket_number_prefix", "ABCDEFGHIJK"),
        ("ticket_number_prefix", ""),
        ("blocked_extensions", ["../etc"]),
        ("blocked_extensions", ["."]),
    ):
        response = await ticketing_app.client.put("/settings", json={**valid, field: value}, headers=headers)
        assert response.status_code == 422, (field, value)
        assert any(error["field"].startswith(field) for error in response.json()["errors"]), response.json()
    unknown = await ticketing_app.client.put("/settings", json={**valid, "colour": "red"}, headers=headers)
    assert unknown.status_code == 422
    after = (await ticketing_app.client.get("/settings", headers=headers)).json()
    assert after["ticket_system_enabled"] is False and after["ticket_number_prefix"] == "TKT"
    assert await ticketing_app.sql("SELECT 1 FROM ticketing.outbox") == []
