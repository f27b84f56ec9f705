"""A ticket's entries (seed 10.4, Time Tracking tab): manual bookings in the operator's zone, with every
refusal under its field and in words; rounding kept as booked; DST days; visibility; deleting own,
others' and with the flag; the events in the outbox."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from timetracking.rounding import rounded_seconds

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"


async def test_a_booked_entry_is_listed_in_the_readers_zone_with_billable_and_other_totals(desk: Any) -> None:
    ada = desk.person("ada")
    ticket = await desk.ticket()
    booked = await desk.book(
        ada, ticket, start="09:00", end="10:30", time_zone=BERLIN, notes="Replaced the fuser", billable=False
    )
    assert {key: booked[key] for key in ("date", "start", "end", "duration_seconds", "rounded_seconds")} == {
        "date": "2026-03-10",
        "start": "09:00",
        "end": "10:30",
        "duration_seconds": 5400,
        "rounded_seconds": 5400,
    }
    assert booked["started_at"] == "2026-03-10T08:00:00Z" and booked["ended_at"] == "2026-03-10T09:30:00Z"
    assert (booked["origin"], booked["billable"], booked["notes"], booked["username"]) == (
        "manual",
        False,
        "Replaced the fuser",
        "ada",
    )
    assert (booked["running"], booked["deletable"], booked["work_item_kind"]) == (False, True, "ticket")
    await desk.book(ada, ticket, start="13:00", end="13:20")

    read = await desk.entries(ada, ticket, time_zone=NEW_YORK)
    # New York is on summer time from 2026-03-08: 08:00 UTC is 04:00 there.
    assert [(e["date"], e["start"], e["end"]) for e in read["entries"]] == [
        ("2026-03-10", "04:00", "05:30"),
        ("2026-03-10", "09:00", "09:20"),
    ]
    assert read["totals"] == {
        "raw_seconds": 5400 + 1200,
        "rounded_seconds": 5400 + 1200,
        "billable": {"raw_seconds": 1200, "rounded_seconds": 1200},
        "non_billable": {"raw_seconds": 5400, "rounded_seconds": 5400},
    }
    assert read["time_zone"] == NEW_YORK
    assert (await desk.entries(ada, ticket))["entries"][0]["start"] == "08:00", "UTC when no zone is named"


@pytest.mark.parametrize(
    ("duration", "step", "mode", "rounded"),
    [
        (1234, 0, "up", 1234),
        (1234, 0, "nearest", 1234),
        (0, 15, "up", 0),
        (1, 15, "up", 900),
        (900, 15, "up", 900),
        (901, 15, "up", 1800),
        (449, 15, "nearest", 0),
        (450, 15, "nearest", 900),
        (1349, 15, "nearest", 900),
        (1350, 15, "nearest", 1800),
        (3600, 60, "up", 3600),
        (3601, 1440, "up", 86400),
    ],
)
def test_rounding_snaps_to_the_step_up_or_to_the_nearest_half_up(
    duration: int, step: int, mode: Any, rounded: int
) -> None:
    assert rounded_seconds(duration, step_minutes=step, mode=mode) == rounded


async def test_the_rounding_of_the_booking_is_kept_when_the_department_changes_its_step(desk: Any) -> None:
    ada = desk.person("ada")
    ticket = await desk.ticket()
    await desk.settings(rounding_minutes=15, rounding_mode="up")
    first = await desk.book(ada, ticket, start="09:00", end="09:20")
    assert (first["duration_seconds"], first["rounded_seconds"]) == (1200, 1800)

    await desk.settings(rounding_minutes=60, rounding_mode="nearest")
    second = await desk.book(ada, ticket, start="10:00", end="10:20")
    assert second["rounded_seconds"] == 0, "20 minutes are nearer no hour than one"
    read = await desk.entries(ada, ticket)
    assert [e["rounded_seconds"] for e in read["entries"]] == [1800, 0], "history keeps its rounding"
    assert read["totals"] == {
        "raw_seconds": 2400,
        "rounded_seconds": 1800,
        "billable": {"raw_seconds": 2400, "rounded_seconds": 1800},
        "non_billable": {"raw_seconds": 0, "rounded_seconds": 0},
    }


# The clock of these cases: 2026-03-28 13:00 in Berlin, the day before the clocks go forward there.
REFUSAL_CLOCK = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"start": "10:00", "end": "09:00"}, "end", "The end (09:00) must be after the start (10:00)"),
        ({"start": "10:00", "end": "10:00"}, "end", "must be after the start"),
        (
            {"date": "2026-03-30", "time_zone": BERLIN},
            "date",
            "tomorrow (2026-03-29 in Europe/Berlin) at the latest",
        ),
        ({"date": "2026-03-30"}, "date", "tomorrow (2026-03-29 in UTC)"),
        (
            {"date": "2026-03-29", "start": "02:30", "end": "04:00", "time_zone": BERLIN},
            "start",
            "02:30 does not exist on 2026-03-29 in Europe/Berlin: the clocks go forward by 60 minutes",
        ),
        (
            {"date": "2026-03-29", "start": "01:00", "end": "02:15", "time_zone": BERLIN},
            "end",
            "02:15 does not exist on 2026-03-29 in Europe/Berlin",
        ),
        (
            {"date": "2026-03-08", "start": "02:00", "end": "05:00", "time_zone": NEW_YORK},
            "start",
            "02:00 does not exist on 2026-03-08 in America/New_York",
        ),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone", "not a time zone of the IANA database"),
        ({"time_zone": "../../etc/passwd"}, "time_zone", "not a time zone"),
        ({"time_zone": "localtime"}, "time_zone", "not a time zone"),
        ({"start": "9:00"}, "start", "The start is a time as HH:MM on the 24-hour clock"),
        ({"start": "24:00", "end": "24:00"}, "start", "HH:MM on the 24-hour clock"),
        ({"end": "25:00"}, "end", "The end is a time as HH:MM"),
        ({"date": "2026-02-30"}, "date", "day value is outside expected range"),
        ({"date": "28.03.2026"}, "date", "a date as YYYY-MM-DD"),
        ({"date": "1969-12-31"}, "date", "Dates run from 1970-01-01 to 2999-12-31"),
        ({"notes": "a\x00b"}, "notes", "NUL"),
        ({"billable": "yes"}, "billable", "valid boolean"),
    ],
)
async def test_every_bad_booking_is_a_422_under_its_field_saying_why(
    desk: Any, body: dict[str, Any], field: str, words: str
) -> None:
    desk.clock.set(REFUSAL_CLOCK)
    ada = desk.person("ada")
    ticket = await desk.ticket()
    refused = await desk.book(
        ada, ticket, 422, **{"date": "2026-03-28", "start": "09:00", "end": "10:00", **body}
    )
    errors = refused["errors"]
    assert [error["field"] for error in errors] == [field], errors
    assert words in errors[0]["message"], errors
    assert await desk.sql("SELECT id FROM entries") == []


async def test_an_entry_may_not_overlap_another_of_the_same_operator_on_any_ticket(desk: Any) -> None:
    ada, bob = desk.person("ada"), desk.person("bob")
    printer, network = await desk.ticket(), await desk.ticket(title="Network down")
    await desk.book(ada, printer, start="09:00", end="10:00", time_zone=BERLIN)

    refused = await desk.book(ada, network, 422, start="09:30", end="11:00", time_zone=BERLIN)
    assert refused["errors"] == [
        {
            "field": "start",
            "message": f"Overlaps your entry on {printer.number} of 2026-03-10, 09:00 to 10:00 "
            "(Europe/Berlin).",
        }
    ]
    inside = await desk.book(ada, network, 422, start="08:00", end="11:00", time_zone=BERLIN)
    assert printer.number in inside["errors"][0]["message"], "one around the other overlaps too"
    # In the reader's own zone.
    in_utc = await desk.book(ada, network, 422, start="08:59", end="09:01")
    assert "of 2026-03-10, 08:00 to 09:00 (UTC)" in in_utc["errors"][0]["message"]

    await desk.book(ada, network, start="10:00", end="11:00", time_zone=BERLIN)
    await desk.book(ada, network, start="08:00", end="09:00", time_zone=BERLIN)
    await desk.book(bob, network, start="09:00", end="10:00", time_zone=BERLIN)

    # A running timer counts from its start on: it may run until any end.
    await desk.settings(enabled=True)
    desk.at(hours=3)
    assert (await desk.timer(ada, network))["state"] == "running"
    running = await desk.book(ada, printer, 422, start="12:30", end="13:00", time_zone=BERLIN)
    assert running["errors"][0]["message"] == (
        f"Overlaps your running timer on {network.number}, started 2026-03-10 12:00 (Europe/Berlin): "
        "stop it first."
    )
    await desk.book(ada, printer, start="11:00", end="11:30", time_zone=BERLIN)


@pytest.mark.parametrize(
    ("zone", "day", "start", "end", "hours", "started_at"),
    [
        # Berlin's clocks go forward at 02:00 (to 03:00) on 2026-03-29 and back at 03:00 (to 02:00) on
        # 2026-10-25; New York's at 02:00 on 2026-03-08 and 2026-11-01.
        (BERLIN, "2026-03-29", "01:00", "04:00", 2, "2026-03-29T00:00:00Z"),
        (BERLIN, "2026-10-25", "01:00", "04:00", 4, "2026-10-24T23:00:00Z"),
        # The repeated hour is its first occurrence (summer time): 02:30 CEST is 00:30 UTC.
        (BERLIN, "2026-10-25", "02:30", "03:00", 1.5, "2026-10-25T00:30:00Z"),
        (NEW_YORK, "2026-03-08", "01:00", "04:00", 2, "2026-03-08T06:00:00Z"),
        (NEW_YORK, "2026-11-01", "01:00", "04:00", 4, "2026-11-01T05:00:00Z"),
        (NEW_YORK, "2026-11-01", "01:30", "01:45", 0.25, "2026-11-01T05:30:00Z"),
        # Berlin's days of change are plain days in New York.
        (NEW_YORK, "2026-03-29", "01:00", "04:00", 3, "2026-03-29T05:00:00Z"),
        (NEW_YORK, "2026-10-25", "01:00", "04:00", 3, "2026-10-25T05:00:00Z"),
    ],
)
async def test_a_booking_on_a_day_the_clocks_change_lasts_the_time_that_passed(
    desk: Any, zone: str, day: str, start: str, end: str, hours: float, started_at: str
) -> None:
    desk.clock.set(datetime(2026, 11, 2, 12, 0, tzinfo=UTC))
    ada = desk.person("ada")
    ticket = await desk.ticket()
    booked = await desk.book(ada, ticket, date=day, start=start, end=end, time_zone=zone)
    assert booked["duration_seconds"] == hours * 3600
    assert booked["started_at"] == started_at
    assert (booked["date"], booked["start"], booked["end"]) == (day, start, end), "read back as typed"


async def test_an_entry_may_end_at_the_midnight_ending_its_date(desk: Any) -> None:
    ada = desk.person("ada")
    booked = await desk.book(ada, await desk.ticket(), start="23:00", end="24:00", time_zone=BERLIN)
    assert (booked["ended_at"], booked["end"], booked["duration_seconds"]) == (
        "2026-03-10T23:00:00Z",
        "00:00",
        3600,
    )


async def test_a_ticket_the_operator_cannot_see_is_a_404_like_one_that_does_not_exist(desk: Any) -> None:
    ada = desk.person("ada")
    theirs = await desk.ticket(department_id=desk.sales)
    homeless = await desk.ticket(department_id=None)
    for ticket_id in (theirs.id, homeless.id, uuid.uuid4()):
        for method, path, body in (
            ("GET", "/entries", None),
            ("POST", "/entries", {"date": "2026-03-10", "start": "09:00", "end": "10:00"}),
            ("DELETE", f"/entries/{uuid.uuid4()}", None),
            ("GET", "/timer", None),
            ("POST", "/timer/heartbeat", None),
            ("POST", "/timer/confirm", None),
            ("POST", "/timer/stop", None),
        ):
            answer = await desk.client.request(
                method, f"/tickets/{ticket_id}{path}", json=body, headers=ada.headers
            )
            assert answer.status_code == 404, (method, path, answer.text)
            assert answer.json()["type"] == "urn:helpdesk:problem:not-found"

    everywhere = desk.person("eve", "tickets_view_all_departments", departments=())
    await desk.book(everywhere, theirs, start="09:00", end="09:30")
    await desk.book(everywhere, homeless, start="10:00", end="10:30")
    assert len((await desk.entries(everywhere, theirs))["entries"]) == 1
    assert len((await desk.entries(everywhere, homeless))["entries"]) == 1

    outside = desk.app.as_operator(departments=(desk.sales,))
    refused = await desk.client.get(f"/tickets/{theirs.id}/entries", headers=outside)
    assert (refused.status_code, refused.json()["flag"]) == (403, "tickets_enabled")


async def test_operators_delete_their_own_entries_and_others_only_with_the_flag(desk: Any) -> None:
    ada, bob = desk.person("ada"), desk.person("bob")
    lead = desk.person("lead", "tickets_manage_time_entries")
    ticket = await desk.ticket()
    first = await desk.book(ada, ticket, start="09:00", end="10:00")
    second = await desk.book(ada, ticket, start="10:00", end="11:00")
    path = f"/tickets/{ticket.id}/entries"

    assert [e["deletable"] for e in (await desk.entries(bob, ticket))["entries"]] == [False, False]
    assert [e["deletable"] for e in (await desk.entries(lead, ticket))["entries"]] == [True, True]
    refused = await desk.client.delete(f"{path}/{first['id']}", headers=bob.headers)
    assert refused.status_code == 403
    assert refused.json()["flag"] == "tickets_manage_time_entries"

    assert (await desk.client.delete(f"{path}/{first['id']}", headers=lead.headers)).status_code == 204
    assert (await desk.client.delete(f"{path}/{second['id']}", headers=ada.headers)).status_code == 204
    assert (await desk.client.delete(f"{path}/{second['id']}", headers=ada.headers)).status_code == 404
    assert (await desk.entries(ada, ticket))["entries"] == []

    deleted = await desk.published("time_entry_deleted")
    assert [(e["subject"], e["data"]["reason"], e["data"]["actor_id"]) for e in deleted] == [
        (first["id"], "deleted", str(lead.id)),
        (second["id"], "deleted", str(ada.id)),
    ]
    assert deleted[0]["bus_subject"] == "time.entry_deleted"

    # An entry of another ticket is not found on this one.
    other = await desk.ticket()
    elsewhere = await desk.book(ada, other, start="12:00", end="13:00")
    assert (await desk.client.delete(f"{path}/{elsewhere['id']}", headers=ada.headers)).status_code == 404


async def test_a_running_entry_cannot_be_deleted_until_its_timer_stops(desk: Any) -> None:
    ada = desk.person("ada")
    lead = desk.person("lead", "tickets_manage_time_entries")
    ticket = await desk.ticket()
    await desk.settings(enabled=True)
    running = (await desk.timer(ada, ticket))["entry"]
    listed = (await desk.entries(ada, ticket))["entries"]
    assert [(e["running"], e["deletable"], e["end"]) for e in listed] == [(True, False, None)]

    desk.at(minutes=2)
    for person in (ada, lead):
        refused = await desk.client.delete(
            f"/tickets/{ticket.id}/entries/{running['id']}", headers=person.headers
        )
        assert refused.status_code == 409, refused.text
        assert "stop its timer first" in refused.json()["detail"]

    await desk.timer(ada, ticket, "stop")
    assert (
        await desk.client.delete(f"/tickets/{ticket.id}/entries/{running['id']}", headers=ada.headers)
    ).status_code == 204


async def test_a_booking_and_a_deletion_are_announced_with_the_whole_entry(desk: Any) -> None:
    ada = desk.person("ada")
    ticket = await desk.ticket()
    await desk.settings(rounding_minutes=30)
    booked = await desk.book(ada, ticket, start="09:00", end="09:10", notes="Call", billable=False)
    events = await desk.published()
    assert [(e["type"], e["bus_subject"], e["subject"], e["source"]) for e in events] == [
        ("time_entry_booked", "time.entry_booked", booked["id"], "timetracking")
    ]
    assert events[0]["dataschema"] == "urn:helpdesk:event:time_entry_booked:v1"
    assert events[0]["data"] == {
        "entry": {
            "id": booked["id"],
            "work_item_kind": "ticket",
            "work_item_id": str(ticket.id),
            "work_item_number": ticket.number,
            "department_id": str(desk.support),
            "user_id": str(ada.id),
            "username": "ada",
            "started_at": "2026-03-10T09:00:00Z",
            "ended_at": "2026-03-10T09:10:00Z",
            "duration_seconds": 600,
            "rounded_seconds": 1800,
            "notes": "Call",
            "origin": "manual",
            "billable": False,
            "created_at": booked["created_at"],
        }
    }
