"""Business calendars and their holidays (issue 18): the gate, create/list/read/change/delete, working
hours replaced whole, validation naming the field, holidays that never share a day, and the calendar
as the working clock reads it (`load_calendar`)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sla_engine.calendars.business_time import BusinessCalendar, Holiday, WorkingPeriod
from sla_engine.calendars.service import load_calendar

MANAGER = ("tickets_enabled", "tickets_manage_sla")
OFFICE_HOURS = [{"weekday": day, "start": "09:00", "end": "17:00"} for day in range(5)]

Headers = Callable[..., dict[str, str]]
Sql = Callable[[str], Awaitable[list[Any]]]
Switch = Callable[[bool], Awaitable[None]]


@pytest.fixture
async def headers(as_operator: Headers, switch_module: Switch) -> dict[str, str]:
    await switch_module(True)
    return as_operator(*MANAGER)


async def create(client: httpx.AsyncClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = await client.post(
        "/calendars",
        json={"time_zone": "Europe/Berlin", "working_hours": OFFICE_HOURS, **body},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def add_holiday(
    client: httpx.AsyncClient, headers: dict[str, str], calendar_id: str, **body: Any
) -> httpx.Response:
    return await client.post(f"/calendars/{calendar_id}/holidays", json=body, headers=headers)


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def fields_of(response: httpx.Response) -> list[str]:
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["type"] == "urn:helpdesk:problem:validation"
    return [error["field"] for error in problem["errors"]]


async def test_every_endpoint_needs_tickets_enabled_the_module_switch_and_tickets_manage_sla(
    sla_client: httpx.AsyncClient, as_operator: Headers, switch_module: Switch
) -> None:
    calendar_path = f"/calendars/{uuid.uuid4()}"
    holiday_path = f"{calendar_path}/holidays/{uuid.uuid4()}"
    requests: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", "/calendars", None),
        ("POST", "/calendars", {"name": "Office", "time_zone": "UTC", "working_hours": OFFICE_HOURS}),
        ("GET", calendar_path, None),
        ("PATCH", calendar_path, {"name": "Shop"}),
        ("DELETE", calendar_path, None),
        ("GET", f"{calendar_path}/holidays", None),
        ("POST", f"{calendar_path}/holidays", {"date": "2025-12-25", "name": "Christmas"}),
        ("PATCH", holiday_path, {"name": "Boxing Day"}),
        ("DELETE", holiday_path, None),
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


async def test_a_calendar_is_created_listed_read_changed_and_deleted_with_its_holidays(
    sla_client: httpx.AsyncClient, headers: dict[str, str], sql: Sql
) -> None:
    office = await create(
        sla_client,
        headers,
        name="  Office ",
        time_zone="America/New_York",
        description="Head office",
        working_hours=[
            {"weekday": 0, "start": "13:00", "end": "17:30"},
            {"weekday": 0, "start": "08:00", "end": "12:00"},
            {"weekday": 6, "start": "22:00", "end": "24:00"},
            {"weekday": 1, "start": "12:00", "end": "13:00"},
            {"weekday": 1, "start": "08:00", "end": "12:00"},
        ],
    )
    assert {k: office[k] for k in ("name", "time_zone", "description")} == {
        "name": "Office",
        "time_zone": "America/New_York",
        "description": "Head office",
    }
    assert office["working_hours"] == [
        {"weekday": 0, "start": "08:00", "end": "12:00"},
        {"weekday": 0, "start": "13:00", "end": "17:30"},
        {"weekday": 1, "start": "08:00", "end": "12:00"},
        {"weekday": 1, "start": "12:00", "end": "13:00"},
        {"weekday": 6, "start": "22:00", "end": "24:00"},
    ], "in the order of the week; periods that touch are no overlap"
    support = await create(
        sla_client,
        headers,
        name="around the clock",
        time_zone="UTC",
        working_hours=[{"weekday": day, "start": "00:00", "end": "24:00"} for day in range(7)],
    )
    assert support["description"] == ""

    listed = (await sla_client.get("/calendars", headers=headers)).json()
    assert [row["name"] for row in listed] == ["around the clock", "Office"], "by name, whatever the case"
    assert listed[1] == office
    assert (await sla_client.get(f"/calendars/{office['id']}", headers=headers)).json() == office

    unchanged = await sla_client.patch(f"/calendars/{office['id']}", json={}, headers=headers)
    assert unchanged.status_code == 200 and unchanged.json() == office
    changed = await sla_client.patch(
        f"/calendars/{office['id']}",
        json={
            "time_zone": "Europe/Vienna",
            "working_hours": [{"weekday": 4, "start": "10:00", "end": "12:00"}],
        },
        headers=headers,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["name"] == "Office" and changed.json()["description"] == "Head office"
    assert changed.json()["time_zone"] == "Europe/Vienna"
    assert changed.json()["working_hours"] == [{"weekday": 4, "start": "10:00", "end": "12:00"}], "replaced"
    assert instant(changed.json()["updated_at"]) > instant(office["updated_at"])
    renamed = await sla_client.patch(f"/calendars/{office['id']}", json={"name": "office"}, headers=headers)
    assert renamed.status_code == 200, "its own name in another case is no clash"
    assert renamed.json()["working_hours"] == changed.json()["working_hours"], "not sent, not changed"

    christmas = await add_holiday(sla_client, headers, office["id"], date="2025-12-25", name="Christmas")
    assert christmas.status_code == 201, christmas.text
    deleted = await sla_client.delete(f"/calendars/{office['id']}", headers=headers)
    assert deleted.status_code == 204
    assert (await sla_client.get(f"/calendars/{office['id']}", headers=headers)).status_code == 404
    assert (await sla_client.delete(f"/calendars/{office['id']}", headers=headers)).status_code == 404
    assert await sql(f"SELECT 1 FROM sla.calendar_periods WHERE calendar_id = '{office['id']}'") == []
    assert await sql(f"SELECT 1 FROM sla.calendar_holidays WHERE calendar_id = '{office['id']}'") == []
    assert len(await sql(f"SELECT 1 FROM sla.calendar_periods WHERE calendar_id = '{support['id']}'")) == 7
    assert await sql("SELECT 1 FROM sla.outbox") == [], "no other service reads calendars"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": None}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "Bad\x00name"}, "name"),
        ({"description": "x" * 4001}, "description"),
        ({"description": None}, "description"),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ({"time_zone": "europe/berlin"}, "time_zone"),
        ({"time_zone": "localtime"}, "time_zone"),
        ({"time_zone": "x" * 1000}, "time_zone"),
        ({"time_zone": 1}, "time_zone"),
        ({"time_zone": None}, "time_zone"),
        ({"working_hours": []}, "working_hours"),
        ({"working_hours": None}, "working_hours"),
        ({"working_hours": OFFICE_HOURS * 21}, "working_hours"),
        ({"working_hours": [{"weekday": 7, "start": "09:00", "end": "17:00"}]}, "working_hours.0.weekday"),
        ({"working_hours": [{"weekday": -1, "start": "09:00", "end": "17:00"}]}, "working_hours.0.weekday"),
        ({"working_hours": [{"weekday": "1", "start": "09:00", "end": "17:00"}]}, "working_hours.0.weekday"),
        ({"working_hours": [{"weekday": 1.0, "start": "09:00", "end": "17:00"}]}, "working_hours.0.weekday"),
        ({"working_hours": [{"weekday": True, "start": "09:00", "end": "17:00"}]}, "working_hours.0.weekday"),
        (
            {"working_hours": [{"weekday": 10**40, "start": "09:00", "end": "17:00"}]},
            "working_hours.0.weekday",
        ),
        ({"working_hours": [{"weekday": 1, "start": "9:00", "end": "17:00"}]}, "working_hours.0.start"),
        ({"working_hours": [{"weekday": 1, "start": "24:00", "end": "24:00"}]}, "working_hours.0.start"),
        ({"working_hours": [{"weekday": 1, "start": "09:00", "end": "17:60"}]}, "working_hours.0.end"),
        ({"working_hours": [{"weekday": 1, "start": "09:00", "end": "24:01"}]}, "working_hours.0.end"),
        ({"working_hours": [{"weekday": 1, "start": "09:00", "end": 1700}]}, "working_hours.0.end"),
        ({"working_hours": [{"weekday": 1, "start": "17:00", "end": "09:00"}]}, "working_hours.0.end"),
        ({"working_hours": [{"weekday": 1, "start": "09:00", "end": "09:00"}]}, "working_hours.0.end"),
        ({"working_hours": [{"weekday": 1, "start": "09:00"}]}, "working_hours.0.end"),
        ({"working_hours": [{"weekday": 1, "start": "09:00", "end": "17:00", "x": 1}]}, "working_hours.0.x"),
        ({"working_hours": {"weekday": 1, "start": "09:00", "end": "17:00"}}, "working_hours"),
        ({"colour": "blue"}, "colour"),
    ],
)
async def test_bad_input_is_refused_with_422_naming_the_field_and_changes_nothing(
    sla_client: httpx.AsyncClient, headers: dict[str, str], changes: dict[str, Any], field: str, sql: Sql
) -> None:
    office = await create(sla_client, headers, name="Office")
    body = {"name": "Shop", "time_zone": "UTC", "working_hours": OFFICE_HOURS, **changes}
    assert field in fields_of(await sla_client.post("/calendars", json=body, headers=headers))
    patched = await sla_client.patch(f"/calendars/{office['id']}", json=changes, headers=headers)
    assert field in fields_of(patched)
    assert (await sla_client.get(f"/calendars/{office['id']}", headers=headers)).json() == office
    assert len(await sql("SELECT 1 FROM sla.calendars")) == 1


async def test_a_calendar_needs_a_name_a_zone_and_working_hours(
    sla_client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await sla_client.post("/calendars", json={}, headers=headers)
    assert set(fields_of(response)) == {"name", "time_zone", "working_hours"}
    bad_zone = await sla_client.post(
        "/calendars",
        json={"name": "Office", "time_zone": "Berlin", "working_hours": OFFICE_HOURS},
        headers=headers,
    )
    assert fields_of(bad_zone) == ["time_zone"]
    assert "IANA" in bad_zone.json()["errors"][0]["message"]


async def test_overlapping_periods_of_one_weekday_are_refused_saying_which(
    sla_client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    working_hours = [
        {"weekday": 2, "start": "08:00", "end": "12:00"},
        {"weekday": 3, "start": "11:00", "end": "14:00"},
        {"weekday": 2, "start": "11:30", "end": "14:00"},
    ]
    response = await sla_client.post(
        "/calendars",
        json={"name": "Office", "time_zone": "UTC", "working_hours": working_hours},
        headers=headers,
    )
    assert fields_of(response) == ["working_hours"]
    assert response.json()["errors"][0]["message"] == "Wednesday 11:30-14:00 overlaps Wednesday 08:00-12:00"
    twice = [{"weekday": 0, "start": "09:00", "end": "17:00"}] * 2
    response = await sla_client.post(
        "/calendars", json={"name": "Office", "time_zone": "UTC", "working_hours": twice}, headers=headers
    )
    assert fields_of(response) == ["working_hours"]
    backwards = await sla_client.post(
        "/calendars",
        json={
            "name": "Office",
            "time_zone": "UTC",
            "working_hours": [{"weekday": 0, "start": "22:00", "end": "02:00"}],
        },
        headers=headers,
    )
    assert fields_of(backwards) == ["working_hours.0.end"]
    assert "after the start (22:00)" in backwards.json()["errors"][0]["message"]


async def test_a_duplicate_name_whatever_its_case_is_refused_naming_the_name(
    sla_client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    await create(sla_client, headers, name="Office")
    shop = await create(sla_client, headers, name="Shop")
    duplicate = await sla_client.post(
        "/calendars",
        json={"name": "OFFICE", "time_zone": "UTC", "working_hours": OFFICE_HOURS},
        headers=headers,
    )
    assert fields_of(duplicate) == ["name"]
    assert duplicate.json()["errors"][0]["message"] == "A calendar named 'OFFICE' exists already."
    renamed = await sla_client.patch(f"/calendars/{shop['id']}", json={"name": "office"}, headers=headers)
    assert fields_of(renamed) == ["name"]


async def test_a_missing_calendar_or_holiday_is_a_404(
    sla_client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    office = await create(sla_client, headers, name="Office")
    shop = await create(sla_client, headers, name="Shop")
    christmas = (
        await add_holiday(sla_client, headers, office["id"], date="2025-12-25", name="Christmas")
    ).json()
    missing = f"/calendars/{uuid.uuid4()}"
    for method, path, body in [
        ("GET", missing, None),
        ("PATCH", missing, {"name": "Elsewhere"}),
        ("PATCH", missing, {}),
        ("DELETE", missing, None),
        ("GET", f"{missing}/holidays", None),
        ("POST", f"{missing}/holidays", {"date": "2025-01-01", "name": "New Year"}),
        ("PATCH", f"{missing}/holidays/{christmas['id']}", {"name": "Xmas"}),
        ("PATCH", f"{missing}/holidays/{christmas['id']}", {}),
        ("DELETE", f"{missing}/holidays/{christmas['id']}", None),
        ("PATCH", f"/calendars/{office['id']}/holidays/{uuid.uuid4()}", {"name": "Xmas"}),
        ("DELETE", f"/calendars/{office['id']}/holidays/{uuid.uuid4()}", None),
        ("PATCH", f"/calendars/{shop['id']}/holidays/{christmas['id']}", {"name": "Xmas"}),
        ("PATCH", f"/calendars/{shop['id']}/holidays/{christmas['id']}", {}),
        ("DELETE", f"/calendars/{shop['id']}/holidays/{christmas['id']}", None),
    ]:
        response = await sla_client.request(method, path, json=body, headers=headers)
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["type"] == "urn:helpdesk:problem:not-found"
    not_an_id = await sla_client.get("/calendars/not-an-id", headers=headers)
    assert fields_of(not_an_id) == ["calendar_id"]
    listed = (await sla_client.get(f"/calendars/{office['id']}/holidays", headers=headers)).json()
    assert listed == [christmas], "a holiday is reached only through its own calendar"


async def test_holidays_are_added_listed_in_the_order_of_the_year_changed_and_deleted(
    sla_client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    office = await create(sla_client, headers, name="Office")
    before = (await sla_client.get(f"/calendars/{office['id']}", headers=headers)).json()
    christmas = await add_holiday(
        sla_client, headers, office["id"], date="2024-12-25", recurring=True, name=" Christmas "
    )
    assert christmas.status_code == 201, christmas.text
    assert {k: v for k, v in christmas.json().items() if k != "id"} == {
        "date": "2024-12-25",
        "recurring": True,
        "name": "Christmas",
        "month": 12,
        "day": 25,
    }
    after = (await sla_client.get(f"/calendars/{office['id']}", headers=headers)).json()
    assert instant(after["updated_at"]) > instant(before["updated_at"]), "its holidays are part of it"
    easter = (
        await add_holiday(sla_client, headers, office["id"], date="2026-04-06", name="Easter Monday")
    ).json()
    assert easter["recurring"] is False and (easter["month"], easter["day"]) == (4, 6)
    leap = (
        await add_holiday(
            sla_client, headers, office["id"], date="2028-02-29", recurring=True, name="Leap day"
        )
    ).json()
    easter_before = (
        await add_holiday(sla_client, headers, office["id"], date="2025-04-21", name="Easter Monday")
    ).json()

    listed = (await sla_client.get(f"/calendars/{office['id']}/holidays", headers=headers)).json()
    assert [h["name"] for h in listed] == ["Leap day", "Easter Monday", "Easter Monday", "Christmas"]
    assert [h["date"] for h in listed] == ["2028-02-29", "2026-04-06", "2025-04-21", "2024-12-25"]

    moved = await sla_client.patch(
        f"/calendars/{office['id']}/holidays/{easter['id']}",
        json={"date": "2026-04-07", "name": "Easter Tuesday"},
        headers=headers,
    )
    assert moved.status_code == 200, moved.text
    assert moved.json() == {**easter, "date": "2026-04-07", "name": "Easter Tuesday", "day": 7}
    every_year = await sla_client.patch(
        f"/calendars/{office['id']}/holidays/{easter['id']}", json={"recurring": True}, headers=headers
    )
    assert every_year.status_code == 200 and every_year.json()["recurring"] is True
    assert every_year.json()["date"] == "2026-04-07", "a field not sent is left as it was"
    unchanged = await sla_client.patch(
        f"/calendars/{office['id']}/holidays/{leap['id']}", json={}, headers=headers
    )
    assert unchanged.status_code == 200 and unchanged.json() == leap

    deleted = await sla_client.delete(
        f"/calendars/{office['id']}/holidays/{easter_before['id']}", headers=headers
    )
    assert deleted.status_code == 204
    again = await sla_client.delete(
        f"/calendars/{office['id']}/holidays/{easter_before['id']}", headers=headers
    )
    assert again.status_code == 404
    listed = (await sla_client.get(f"/calendars/{office['id']}/holidays", headers=headers)).json()
    assert [h["name"] for h in listed] == ["Leap day", "Easter Tuesday", "Christmas"]


async def test_no_two_holidays_of_a_calendar_fall_on_the_same_day_of_any_year(
    sla_client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    office = await create(sla_client, headers, name="Office")
    shop = await create(sla_client, headers, name="Shop")
    christmas = await add_holiday(
        sla_client, headers, office["id"], date="2020-12-25", recurring=True, name="Xmas"
    )
    assert christmas.status_code == 201
    new_year = (
        await add_holiday(sla_client, headers, office["id"], date="2026-01-01", name="New Year")
    ).json()

    refused: list[tuple[dict[str, Any], str]] = [
        ({"date": "2027-12-25", "recurring": True, "name": "Christmas"}, "every December 25 already"),
        ({"date": "2031-12-25", "name": "Christmas 2031"}, "every December 25 already"),
        ({"date": "2026-01-01", "name": "New Year again"}, "on 2026-01-01 already"),
        ({"date": "2019-01-01", "recurring": True, "name": "New Year"}, "would fall on too"),
    ]
    for body, message in refused:
        response = await add_holiday(sla_client, headers, office["id"], **body)
        assert fields_of(response) == ["date"], body
        assert message in response.json()["errors"][0]["message"], response.json()
    for body in (
        {"date": "2027-01-01", "name": "New Year 2027"},
        {"date": "2020-12-24", "recurring": True, "name": "Christmas Eve"},
    ):
        assert (await add_holiday(sla_client, headers, office["id"], **body)).status_code == 201, body
    other_calendar = await add_holiday(sla_client, headers, shop["id"], date="2026-01-01", name="New Year")
    assert other_calendar.status_code == 201, "each calendar has its own holidays"

    onto_christmas = await sla_client.patch(
        f"/calendars/{office['id']}/holidays/{new_year['id']}", json={"date": "2026-12-25"}, headers=headers
    )
    assert fields_of(onto_christmas) == ["date"]
    recurring_onto_2027 = await sla_client.patch(
        f"/calendars/{office['id']}/holidays/{new_year['id']}", json={"recurring": True}, headers=headers
    )
    assert fields_of(recurring_onto_2027) == ["date"], "New Year 2027 would fall on it"
    renamed = await sla_client.patch(
        f"/calendars/{office['id']}/holidays/{new_year['id']}", json={"name": "Neujahr"}, headers=headers
    )
    assert renamed.status_code == 200, "its own day is no clash"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"date": "2025-02-30", "name": "No such day"}, "date"),
        ({"date": "25-12-2025", "name": "Christmas"}, "date"),
        ({"date": "2025-12-25T00:00:00", "name": "Christmas"}, "date"),
        ({"date": 1766620800, "name": "Christmas"}, "date"),
        ({"date": "", "name": "Christmas"}, "date"),
        ({"date": None, "name": "Christmas"}, "date"),
        ({"name": "Christmas"}, "date"),
        ({"date": "2025-12-25"}, "name"),
        ({"date": "2025-12-25", "name": "   "}, "name"),
        ({"date": "2025-12-25", "name": "x" * 201}, "name"),
        ({"date": "2025-12-25", "name": "Christ\x00mas"}, "name"),
        ({"date": "2025-12-25", "name": "Christmas", "recurring": "yes"}, "recurring"),
        ({"date": "2025-12-25", "name": "Christmas", "recurring": 1}, "recurring"),
        ({"date": "2025-12-25", "name": "Christmas", "recurring": None}, "recurring"),
        ({"date": "2025-12-25", "name": "Christmas", "observed": "2025-12-26"}, "observed"),
    ],
)
async def test_a_bad_holiday_is_refused_with_422_naming_the_field(
    sla_client: httpx.AsyncClient, headers: dict[str, str], body: dict[str, Any], field: str, sql: Sql
) -> None:
    office = await create(sla_client, headers, name="Office")
    assert field in fields_of(await add_holiday(sla_client, headers, office["id"], **body))
    holiday = (
        await add_holiday(sla_client, headers, office["id"], date="2025-01-01", name="New Year")
    ).json()
    if field in body:
        path = f"/calendars/{office['id']}/holidays/{holiday['id']}"
        patched = await sla_client.patch(path, json={field: body[field]}, headers=headers)
        assert fields_of(patched) == [field]
    assert [row["name"] for row in await sql("SELECT name FROM sla.calendar_holidays")] == ["New Year"]


async def test_the_database_refuses_working_hours_the_api_would_refuse(
    sla_client: httpx.AsyncClient, headers: dict[str, str], sql: Sql
) -> None:
    office = await create(sla_client, headers, name="Office")
    for weekday, start, end in ((7, 0, 60), (0, -1, 60), (0, 600, 600), (0, 600, 540), (0, 1000, 1441)):
        with pytest.raises(asyncpg.CheckViolationError):
            await sql(
                "INSERT INTO sla.calendar_periods (calendar_id, weekday, start_minute, end_minute) "
                f"VALUES ('{office['id']}', {weekday}, {start}, {end})"
            )
    christmas = (
        "INSERT INTO sla.calendar_holidays (id, calendar_id, day, recurring, name) "
        f"VALUES (gen_random_uuid(), '{office['id']}', '%s', true, 'Christmas')"
    )
    await sql(christmas % "2024-12-25")
    with pytest.raises(asyncpg.UniqueViolationError):
        await sql(christmas % "2025-12-25")


async def test_load_calendar_gives_the_working_clock_its_zone_hours_and_holidays(
    sla_client: httpx.AsyncClient, headers: dict[str, str], sessions: async_sessionmaker[AsyncSession]
) -> None:
    office = await create(
        sla_client,
        headers,
        name="Office",
        time_zone="Europe/Berlin",
        working_hours=[
            {"weekday": 4, "start": "13:00", "end": "24:00"},
            {"weekday": 0, "start": "08:30", "end": "12:00"},
        ],
    )
    for body in (
        {"date": "2026-05-01", "name": "Labour Day"},
        {"date": "2024-12-25", "recurring": True, "name": "Christmas"},
    ):
        assert (await add_holiday(sla_client, headers, office["id"], **body)).status_code == 201
    async with sessions() as session:
        loaded = await load_calendar(session, uuid.UUID(office["id"]))
        nothing = await load_calendar(session, uuid.uuid4())
    assert loaded == BusinessCalendar(
        time_zone="Europe/Berlin",
        periods=(WorkingPeriod(0, time(8, 30), time(12, 0)), WorkingPeriod(4, time(13, 0), time(0))),
        holidays=(
            Holiday(date(2024, 12, 25), recurring=True, name="Christmas"),
            Holiday(date(2026, 5, 1), recurring=False, name="Labour Day"),
        ),
    )
    assert nothing is None
