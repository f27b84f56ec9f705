"""The hours report (the statistics page's read): raw and rounded hours per operator, per customer and
per operator and customer over local days, booked entries on visible tickets only, each counted on the
day it started in the zone asked for."""

from __future__ import annotations

import uuid
from typing import Any

STATISTICS = ("tickets_view_statistics",)
BERLIN = "Europe/Berlin"


def hours(raw: int, rounded: int) -> dict[str, Any]:
    return {
        "raw_seconds": raw,
        "rounded_seconds": rounded,
        "raw_hours": round(raw / 3600, 2),
        "rounded_hours": round(rounded / 3600, 2),
    }


async def report(desk: Any, person: Any, expect: int = 200, **params: str) -> dict[str, Any]:
    answer = await desk.client.get("/reports/hours", params=params, headers=person.headers)
    assert answer.status_code == expect, answer.text
    return dict(answer.json())


async def test_hours_per_operator_per_customer_and_both(desk: Any) -> None:
    acme, globex = uuid.uuid4(), uuid.uuid4()
    await desk.settings(enabled=True, rounding_minutes=15, rounding_mode="up")
    printer = await desk.ticket(customer_id=acme, customer_name="ACME")
    billing = await desk.ticket(customer_id=globex, customer_name="Globex")
    internal = await desk.ticket()
    theirs = await desk.ticket(customer_id=acme, customer_name="ACME", department_id=desk.sales)
    ada, bob, carl = desk.person("ada"), desk.person("bob"), desk.person("carl")
    sam = desk.person("sam", departments=(desk.sales,))
    await desk.book(ada, printer, date="2026-03-10", start="09:00", end="10:00", time_zone=BERLIN)
    await desk.book(ada, billing, date="2026-03-10", start="10:00", end="10:20", time_zone=BERLIN)
    await desk.book(ada, printer, date="2026-03-08", start="09:00", end="10:00", time_zone=BERLIN)
    await desk.book(bob, printer, date="2026-03-09", start="09:00", end="09:10", time_zone=BERLIN)
    await desk.book(bob, internal, date="2026-03-10", start="11:00", end="11:30", time_zone=BERLIN)
    await desk.book(sam, theirs, date="2026-03-10", start="09:00", end="10:00", time_zone=BERLIN)
    # 00:30 on the 11th in Berlin is 23:30 on the 10th in UTC.
    await desk.book(carl, internal, date="2026-03-11", start="00:30", end="01:00", time_zone=BERLIN)
    # A running timer counts once it is closed.
    desk.at(hours=6)
    await desk.timer(bob, printer)
    desk.at(hours=6, minutes=30)
    await desk.timer(bob, printer)

    lead = desk.person("lead", *STATISTICS)
    read = await report(desk, lead, **{"from": "2026-03-09", "to": "2026-03-10", "time_zone": BERLIN})
    assert (read["from"], read["to"], read["time_zone"]) == ("2026-03-09", "2026-03-10", BERLIN)
    assert read["total"] == hours(7200, 8100)
    assert [(o["username"], {k: o[k] for k in hours(0, 0)}) for o in read["operators"]] == [
        ("ada", hours(4800, 5400)),
        ("bob", hours(2400, 2700)),
    ]
    assert [o["user_id"] for o in read["operators"]] == [str(ada.id), str(bob.id)]
    assert [
        (c["customer_id"], c["customer_name"], {k: c[k] for k in hours(0, 0)}) for c in read["customers"]
    ] == [
        (str(acme), "ACME", hours(4200, 4500)),
        (str(globex), "Globex", hours(1200, 1800)),
        (None, "No customer", hours(1800, 1800)),
    ]
    assert [
        (m["username"], m["customer_name"], m["raw_seconds"], m["rounded_seconds"]) for m in read["matrix"]
    ] == [
        ("ada", "ACME", 3600, 3600),
        ("ada", "Globex", 1200, 1800),
        ("bob", "ACME", 600, 900),
        ("bob", "No customer", 1800, 1800),
    ]

    in_utc = await report(desk, lead, **{"from": "2026-03-09", "to": "2026-03-10"})
    assert [o["username"] for o in in_utc["operators"]] == ["ada", "bob", "carl"], (
        "carl's entry started on the 10th"
    )

    everyone = desk.person("eve", "tickets_view_time_tracking", "tickets_view_all_departments")
    all_of_it = await report(
        desk, everyone, **{"from": "2026-03-09", "to": "2026-03-10", "time_zone": BERLIN}
    )
    assert [o["username"] for o in all_of_it["operators"]] == ["ada", "bob", "sam"]
    assert all_of_it["customers"][0] == {
        "customer_id": str(acme),
        "customer_name": "ACME",
        **hours(7800, 8100),
    }


async def test_the_report_needs_a_flag_and_a_range_of_at_most_366_days(desk: Any) -> None:
    refused = await report(desk, desk.person("ada"), 403, **{"from": "2026-01-01", "to": "2026-01-31"})
    assert refused["any_of"] == ["tickets_view_statistics", "tickets_view_time_tracking"]
    lead = desk.person("lead", *STATISTICS)
    empty = await report(desk, lead, **{"from": "2024-01-01", "to": "2024-12-31"})
    assert (empty["total"], empty["operators"], empty["customers"], empty["matrix"]) == (
        hours(0, 0),
        [],
        [],
        [],
    )
    for params, field, words in (
        (
            {"from": "2026-02-01", "to": "2026-01-31"},
            "to",
            "The range ends (2026-01-31) before it starts (2026-02-01).",
        ),
        ({"from": "2025-01-01", "to": "2026-01-02"}, "to", "at most 366 days"),
        ({"from": "2026-01-01"}, "to", "To is required"),
        ({"from": "1900-01-01", "to": "1900-01-02"}, "from", "Dates run from 1970-01-01"),
        ({"from": "2026-01-01", "to": "2026-01-02", "time_zone": "Nowhere"}, "time_zone", "not a time zone"),
    ):
        answer = await report(desk, lead, 422, **params)
        assert [(error["field"], words in error["message"]) for error in answer["errors"]] == [
            (field, True)
        ], answer
