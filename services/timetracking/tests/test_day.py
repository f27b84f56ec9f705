"""The day calendar (seed 10.8): one local day from midnight to midnight (23 or 25 hours when the
clocks change), every operator's entries overlapping it on the tickets the reader can see, running
ones included, by start; behind tickets_view_time_tracking."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

READER = ("tickets_view_time_tracking",)
BERLIN = "Europe/Berlin"


async def day(desk: Any, person: Any, date: str, time_zone: str = BERLIN) -> dict[str, Any]:
    answer = await desk.client.get(
        "/entries/day", params={"date": date, "time_zone": time_zone}, headers=person.headers
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


@pytest.mark.parametrize(
    ("zone", "date", "day_start", "day_end", "hours"),
    [
        (BERLIN, "2026-03-29", "2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z", 23),
        (BERLIN, "2026-10-25", "2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z", 25),
        (BERLIN, "2026-03-10", "2026-03-09T23:00:00Z", "2026-03-10T23:00:00Z", 24),
        ("America/New_York", "2026-03-08", "2026-03-08T05:00:00Z", "2026-03-09T04:00:00Z", 23),
        ("America/New_York", "2026-11-01", "2026-11-01T04:00:00Z", "2026-11-02T05:00:00Z", 25),
        # Lord Howe Island puts its clocks back by half an hour.
        ("Australia/Lord_Howe", "2026-04-05", "2026-04-04T13:00:00Z", "2026-04-05T13:30:00Z", 24.5),
    ],
)
async def test_a_day_runs_from_local_midnight_to_local_midnight(
    desk: Any, zone: str, date: str, day_start: str, day_end: str, hours: float
) -> None:
    reader = desk.person("ada", *READER)
    read = await day(desk, reader, date, zone)
    assert (read["day_start"], read["day_end"], read["hours"], read["time_zone"], read["date"]) == (
        day_start,
        day_end,
        hours,
        zone,
        date,
    )


async def test_the_23_hour_day_holds_every_entry_that_overlaps_it_and_no_other(desk: Any) -> None:
    desk.clock.set(datetime(2026, 3, 30, 9, 0, tzinfo=UTC))
    ada, bob = desk.person("ada"), desk.person("bob", *READER)
    ticket = await desk.ticket(title="Server room")
    await desk.book(ada, ticket, date="2026-03-28", start="23:00", end="24:00", time_zone=BERLIN)
    night = await desk.book(
        ada, ticket, date="2026-03-29", start="01:00", end="04:00", time_zone=BERLIN, notes="Patch"
    )
    late = await desk.book(bob, ticket, date="2026-03-29", start="23:00", end="24:00", time_zone=BERLIN)
    await desk.book(bob, ticket, date="2026-03-30", start="00:00", end="01:00", time_zone=BERLIN)

    read = await day(desk, bob, "2026-03-29")
    assert [e["id"] for e in read["entries"]] == [night["id"], late["id"]], (
        "chronological, touching ones left out"
    )
    first = read["entries"][0]
    assert {
        key: first[key] for key in first if key not in ("id", "created_at", "work_item_id", "user_id")
    } == {
        "work_item_kind": "ticket",
        "ticket_number": ticket.number,
        "ticket_title": "Server room",
        "username": "ada",
        "origin": "manual",
        "billable": True,
        "notes": "Patch",
        "date": "2026-03-29",
        "start": "01:00",
        "end": "04:00",
        "started_at": "2026-03-29T00:00:00Z",
        "ended_at": "2026-03-29T02:00:00Z",
        "duration_seconds": 7200,
        "rounded_seconds": 7200,
        "running": False,
        "deletable": False,
    }
    assert read["entries"][1]["deletable"] is True, "bob's own"


async def test_the_25_hour_day_and_a_running_entry_from_the_day_before(desk: Any) -> None:
    await desk.settings(enabled=True, idle_timeout_minutes=60, confirm_timeout_minutes=240)
    ada = desk.person("ada", *READER, "tickets_manage_time_entries")
    ticket = await desk.ticket()
    # 23:50 on 2026-10-24 in Berlin, summer time.
    desk.clock.set(datetime(2026, 10, 24, 21, 50, tzinfo=UTC))
    await desk.timer(ada, ticket)
    desk.clock.set(datetime(2026, 10, 24, 22, 30, tzinfo=UTC))
    await desk.timer(ada, ticket)
    # Another operator's, which ada's flag lets her delete; hers runs and may not be deleted yet.
    await desk.book(
        desk.person("bob"), ticket, date="2026-10-25", start="02:30", end="03:30", time_zone=BERLIN
    )

    read = await day(desk, ada, "2026-10-25")
    assert read["hours"] == 25
    assert [
        (e["date"], e["start"], e["end"], e["origin"], e["running"], e["deletable"]) for e in read["entries"]
    ] == [
        ("2026-10-24", "23:50", None, "automatic", True, False),
        ("2026-10-25", "02:30", "03:30", "manual", False, True),
    ]
    assert read["entries"][0]["duration_seconds"] == 40 * 60, "so far"
    # 02:30 is the first of the two: summer time, 00:30 UTC; 03:30 is winter time, 02:30 UTC.
    assert (read["entries"][1]["started_at"], read["entries"][1]["ended_at"]) == (
        "2026-10-25T00:30:00Z",
        "2026-10-25T02:30:00Z",
    )


async def test_the_day_leaves_out_tickets_the_reader_cannot_see(desk: Any) -> None:
    support, sales = await desk.ticket(), await desk.ticket(department_id=desk.sales)
    ada = desk.person("ada", *READER)
    sam = desk.person("sam", departments=(desk.sales,))
    await desk.book(ada, support, start="09:00", end="10:00")
    await desk.book(sam, sales, start="09:00", end="10:00")

    assert [e["ticket_number"] for e in (await day(desk, ada, "2026-03-10"))["entries"]] == [support.number]
    everyone = desk.person("eve", *READER, "tickets_view_all_departments")
    assert sorted(e["ticket_number"] for e in (await day(desk, everyone, "2026-03-10"))["entries"]) == sorted(
        [support.number, sales.number]
    )
    await desk.delete_ticket(sales)
    assert len((await day(desk, everyone, "2026-03-10"))["entries"]) == 1


async def test_the_day_needs_its_flag_and_a_good_date_and_zone(desk: Any) -> None:
    refused = await desk.client.get(
        "/entries/day", params={"date": "2026-03-10"}, headers=desk.person("ada").headers
    )
    assert (refused.status_code, refused.json()["flag"]) == (403, "tickets_view_time_tracking")
    reader = desk.person("ada", *READER)
    for params, field in (
        ({"date": "2026-13-01"}, "date"),
        ({}, "date"),
        ({"date": "0001-01-01"}, "date"),
        ({"date": "9999-12-31"}, "date"),
        ({"date": "2026-03-10", "time_zone": "Europe/Atlantis"}, "time_zone"),
        ({"date": "2026-03-10", "time_zone": "x" * 10_000}, "time_zone"),
    ):
        answer = await desk.client.get("/entries/day", params=params, headers=reader.headers)
        assert answer.status_code == 422, (params, answer.text)
        assert [error["field"] for error in answer.json()["errors"]] == [field]
