"""A department's Time Tracking section (seed 10.10): defaults until saved, saved whole, each value
checked with its reason under its field, only for departments ticketing announced, behind
tickets_manage_departments and the module's gate; a removed department takes its settings."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

DEFAULTS = {
    "enabled": False,
    "idle_timeout_minutes": 5,
    "confirm_timeout_minutes": 60,
    "rounding_minutes": 0,
    "rounding_mode": "up",
}
MANAGER = ("tickets_manage_departments",)


async def test_a_department_reads_as_the_defaults_until_its_settings_are_saved(desk: Any) -> None:
    lead = desk.person("lead", *MANAGER)
    path = f"/departments/{desk.support}/time-tracking"
    before = (await desk.client.get(path, headers=lead.headers)).json()
    assert before == {"department_id": str(desk.support), **DEFAULTS, "updated_at": None}

    saved = await desk.settings(
        enabled=True, idle_timeout_minutes=10, rounding_minutes=15, rounding_mode="nearest"
    )
    assert saved["updated_at"] is not None
    again = (await desk.client.get(path, headers=lead.headers)).json()
    assert again == saved
    assert {key: again[key] for key in DEFAULTS} == {
        **DEFAULTS,
        "enabled": True,
        "idle_timeout_minutes": 10,
        "rounding_minutes": 15,
        "rounding_mode": "nearest",
    }

    # Saved whole: what is left out goes back to its default.
    assert {key: value for key, value in (await desk.settings(enabled=True)).items() if key in DEFAULTS} == {
        **DEFAULTS,
        "enabled": True,
    }


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"idle_timeout_minutes": 0}, "idle_timeout_minutes", "The idle timeout is 1 to 1440 minutes"),
        ({"idle_timeout_minutes": 1441}, "idle_timeout_minutes", "1441 is outside"),
        (
            {"confirm_timeout_minutes": 0},
            "confirm_timeout_minutes",
            "The confirm timeout is 1 to 1440 minutes",
        ),
        ({"confirm_timeout_minutes": 100_000}, "confirm_timeout_minutes", "1 to 1440 minutes"),
        ({"rounding_minutes": -1}, "rounding_minutes", "The rounding step is 0 to 1440 minutes"),
        ({"rounding_minutes": 1441}, "rounding_minutes", "0 to 1440 minutes"),
        ({"rounding_minutes": "15"}, "rounding_minutes", "valid integer"),
        ({"idle_timeout_minutes": 5.5}, "idle_timeout_minutes", "valid integer"),
        ({"rounding_mode": "down"}, "rounding_mode", "'up' or 'nearest'"),
        ({"enabled": "yes"}, "enabled", "valid boolean"),
        ({"surprise": 1}, "surprise", "Extra inputs"),
    ],
)
async def test_each_value_out_of_range_is_a_422_under_its_field(
    desk: Any, body: dict[str, Any], field: str, words: str
) -> None:
    lead = desk.person("lead", *MANAGER)
    answer = await desk.client.put(
        f"/departments/{desk.support}/time-tracking", json=body, headers=lead.headers
    )
    assert answer.status_code == 422, answer.text
    errors = answer.json()["errors"]
    assert [error["field"] for error in errors] == [field]
    assert words in errors[0]["message"]


async def test_an_unknown_department_is_a_404_and_the_flag_and_the_module_are_needed(desk: Any) -> None:
    lead = desk.person("lead", *MANAGER)
    unknown = await desk.client.get(f"/departments/{uuid.uuid4()}/time-tracking", headers=lead.headers)
    assert unknown.status_code == 404
    saved = await desk.client.put(f"/departments/{uuid.uuid4()}/time-tracking", json={}, headers=lead.headers)
    assert saved.status_code == 404

    agent = desk.person("ada")
    refused = await desk.client.get(f"/departments/{desk.support}/time-tracking", headers=agent.headers)
    assert refused.status_code == 403
    assert refused.json()["flag"] == "tickets_manage_departments"

    await desk.switch_module(False)
    off = await desk.client.get(f"/departments/{desk.support}/time-tracking", headers=lead.headers)
    assert off.status_code == 403
    assert off.json()["reason"] == "module_disabled"


async def test_a_removed_department_takes_its_settings_along(desk: Any) -> None:
    await desk.settings(enabled=True)
    await desk.remove_department(desk.support)
    assert await desk.sql("SELECT * FROM time_settings") == []
    lead = desk.person("lead", *MANAGER)
    gone = await desk.client.get(f"/departments/{desk.support}/time-tracking", headers=lead.headers)
    assert gone.status_code == 404
