"""Module settings (seed 10.2): the master switch, the number prefix, blocked extensions."""

from __future__ import annotations

import orjson

from services.ticketing.tests.conftest import Ticketing

ADMIN = ("settings_system_enabled",)


async def test_the_module_ships_off_with_the_tkt_prefix_and_nothing_blocked(ticketing_app: Ticketing) -> None:
    response = await ticketing_app.client.get("/settings", headers=ticketing_app.as_operator(*ADMIN))
    assert response.status_code == 200
    body = response.json()
    assert body["ticket_system_enabled"] is False
    assert body["ticket_number_prefix"] == "TKT"
    assert body["blocked_extensions"] == []


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
