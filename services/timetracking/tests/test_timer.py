"""The auto-timer (seed 10.4's alert, 10.8's timeouts) on a clock the test moves: it starts where the
department tracks time, idles into a new entry, asks for a confirmation and stops at its due time
without one, follows the operator from ticket to ticket, and is closed by the sweep (safe with two at
once) when its operator is gone, also after a restart."""

from __future__ import annotations

import asyncio
from typing import Any

from timetracking.timer.sweep import sweep_once

T0 = "2026-03-10T08:00:00Z"


def at(clock: str) -> str:
    """An instant of 2026-03-10 in UTC, from HH:MM or HH:MM:SS."""
    return f"2026-03-10T{clock if clock.count(':') == 2 else clock + ':00'}Z"


async def automatic(desk: Any) -> list[tuple[str, str | None]]:
    rows = await desk.sql(
        "SELECT started_at, ended_at FROM entries WHERE origin = 'automatic' ORDER BY started_at"
    )
    return [
        (row.started_at.strftime("%H:%M"), row.ended_at and row.ended_at.strftime("%H:%M")) for row in rows
    ]


async def test_where_the_department_does_not_track_time_the_timer_is_disabled(desk: Any) -> None:
    ada = desk.person("ada")
    ticket, homeless = await desk.ticket(), await desk.ticket(department_id=None)
    everywhere = desk.person("eve", "tickets_view_all_departments")
    for person, on in ((ada, ticket), (everywhere, homeless)):
        for action in ("read", "heartbeat", "confirm", "stop"):
            answer = await desk.timer(person, on, action)
            assert (answer["state"], answer["entry"]) == ("disabled", None), action
            assert (answer["idle_timeout_minutes"], answer["confirm_timeout_minutes"]) == (5, 60)
    assert await desk.sql("SELECT * FROM entries") == []


async def test_opening_a_ticket_starts_the_timer_and_heartbeats_keep_it_going(desk: Any) -> None:
    await desk.settings(enabled=True, idle_timeout_minutes=5, confirm_timeout_minutes=60)
    ada = desk.person("ada")
    ticket = await desk.ticket()
    started = await desk.timer(ada, ticket)
    assert {
        key: started[key] for key in ("state", "started_at", "last_activity_at", "confirm_due_at", "now")
    } == {
        "state": "running",
        "started_at": T0,
        "last_activity_at": T0,
        "confirm_due_at": at("09:00"),
        "now": T0,
    }
    assert started["entry"]["started_at"] == T0 and started["entry"]["elapsed_seconds"] == 0

    desk.at(minutes=3)
    going = await desk.timer(ada, ticket)
    assert (going["state"], going["entry"]["id"], going["last_activity_at"]) == (
        "running",
        started["entry"]["id"],
        at("08:03"),
    )
    desk.at(minutes=7)
    read = await desk.timer(ada, ticket, "read")
    assert (read["state"], read["entry"]["elapsed_seconds"]) == ("running", 7 * 60)
    listed = (await desk.entries(ada, ticket))["entries"]
    assert [(e["origin"], e["running"], e["duration_seconds"]) for e in listed] == [("automatic", True, 420)]
    assert await desk.published() == [], "a running entry is announced once it is closed"


async def test_idling_ends_the_entry_at_the_last_activity_and_the_next_heartbeat_starts_another(
    desk: Any,
) -> None:
    await desk.settings(enabled=True, idle_timeout_minutes=5, rounding_minutes=15)
    ada = desk.person("ada")
    ticket = await desk.ticket()
    await desk.timer(ada, ticket)
    desk.at(minutes=4)
    await desk.timer(ada, ticket)

    desk.at(minutes=10)
    assert (await desk.timer(ada, ticket, "read"))["state"] == "stopped", (
        "idle for 6 minutes: stopped at 08:04"
    )
    desk.at(minutes=20)
    resumed = await desk.timer(ada, ticket)
    assert (resumed["state"], resumed["started_at"]) == ("running", at("08:20"))
    assert await automatic(desk) == [("08:00", "08:04"), ("08:20", None)]

    booked = await desk.published("time_entry_booked")
    assert len(booked) == 1
    entry = booked[0]["data"]["entry"]
    assert (entry["origin"], entry["ended_at"], entry["duration_seconds"], entry["rounded_seconds"]) == (
        "automatic",
        at("08:04"),
        240,
        900,
    ), "rounded up to the department's quarter hour when it closed"


async def confirming_desk(desk: Any) -> tuple[Any, Any, dict[str, Any]]:
    """A timer started at 08:00 (idle 10 minutes, confirm 30) and kept going until it fell due at
    08:30, with a heartbeat at 08:35 while the confirmation was due."""
    await desk.settings(enabled=True, idle_timeout_minutes=10, confirm_timeout_minutes=30)
    ada = desk.person("ada")
    ticket = await desk.ticket()
    for minute in (0, 8, 16, 24):
        desk.at(minutes=minute)
        assert (await desk.timer(ada, ticket))["state"] == "running"
    desk.at(minutes=30)
    due = await desk.timer(ada, ticket)
    assert (due["state"], due["confirm_due_at"]) == ("confirmation_due", at("08:30"))
    desk.at(minutes=35)
    still = await desk.timer(ada, ticket)
    assert (still["state"], still["last_activity_at"]) == ("confirmation_due", at("08:30")), (
        "heartbeats do not move the last activity past the due time"
    )
    assert still["entry"]["elapsed_seconds"] == 30 * 60
    return ada, ticket, still


async def test_a_confirmation_within_the_idle_timeout_after_it_fell_due_keeps_the_entry_going(
    desk: Any,
) -> None:
    ada, ticket, due = await confirming_desk(desk)
    desk.at(minutes=38)
    confirmed = await desk.timer(ada, ticket, "confirm")
    assert {key: confirmed[key] for key in ("state", "last_activity_at", "confirm_due_at", "started_at")} == {
        "state": "running",
        "last_activity_at": at("08:38"),
        "confirm_due_at": at("09:08"),
        "started_at": T0,
    }
    assert confirmed["entry"]["id"] == due["entry"]["id"]
    assert await automatic(desk) == [("08:00", None)]


async def test_a_late_confirmation_finds_the_entry_ended_at_the_due_time_and_starts_another(
    desk: Any,
) -> None:
    ada, ticket, _ = await confirming_desk(desk)
    desk.at(minutes=45)
    assert (await desk.timer(ada, ticket, "read"))["state"] == "stopped"
    late = await desk.timer(ada, ticket, "confirm")
    assert (late["state"], late["started_at"], late["confirm_due_at"]) == (
        "running",
        at("08:45"),
        at("09:15"),
    )
    assert await automatic(desk) == [("08:00", "08:30"), ("08:45", None)]
    assert [e["data"]["entry"]["ended_at"] for e in await desk.published("time_entry_booked")] == [
        at("08:30")
    ]


async def test_starting_on_another_ticket_closes_the_timer_of_the_first(desk: Any) -> None:
    await desk.settings(enabled=True)
    ada, bob = desk.person("ada"), desk.person("bob")
    printer, network = await desk.ticket(), await desk.ticket()
    await desk.timer(ada, printer)
    await desk.timer(bob, printer)
    desk.at(minutes=3)
    moved = await desk.timer(ada, network)
    assert (moved["state"], moved["started_at"]) == ("running", at("08:03"))
    assert (await desk.timer(ada, printer, "read"))["state"] == "stopped"
    assert (await desk.timer(bob, printer, "read"))["state"] == "running", "another operator's timer runs on"
    rows = await desk.sql("SELECT username, started_at, ended_at FROM entries ORDER BY username, started_at")
    assert [
        (r.username, r.started_at.strftime("%H:%M"), r.ended_at and r.ended_at.strftime("%H:%M"))
        for r in rows
    ] == [
        ("ada", "08:00", "08:03"),
        ("ada", "08:03", None),
        ("bob", "08:00", None),
    ]
    assert len(await desk.sql("SELECT * FROM timers")) == 2, "one timer per operator"


async def test_stopping_ends_the_entry_now_but_never_past_a_due_confirmation(desk: Any) -> None:
    await desk.settings(enabled=True, idle_timeout_minutes=10, confirm_timeout_minutes=30)
    ada = desk.person("ada")
    printer, network = await desk.ticket(), await desk.ticket()
    await desk.timer(ada, printer)
    desk.at(minutes=2)
    assert (await desk.timer(ada, network, "stop"))["state"] == "stopped"
    assert await automatic(desk) == [("08:00", None)], "closing another ticket leaves the timer alone"
    stopped = await desk.timer(ada, printer, "stop")
    assert (stopped["state"], stopped["entry"]) == ("stopped", None)

    desk.at(minutes=10)
    await desk.timer(ada, printer)
    for minute in (18, 26, 34):
        desk.at(minutes=minute)
        await desk.timer(ada, printer)
    desk.at(minutes=41)
    await desk.timer(ada, printer, "stop")
    assert await automatic(desk) == [("08:00", "08:02"), ("08:10", "08:40")], "not confirmed: ended when due"


async def test_the_sweep_closes_timers_whose_operator_went_idle_or_never_confirmed(desk: Any) -> None:
    await desk.settings(enabled=True, idle_timeout_minutes=5, confirm_timeout_minutes=30)
    ada, bob, carl = desk.person("ada"), desk.person("bob"), desk.person("carl")
    ticket = await desk.ticket()
    await desk.timer(ada, ticket)
    for minute in (0, 3):
        desk.at(minutes=minute)
        await desk.timer(ada, ticket)
    for minute in (0, 4, 8, 12, 16, 20, 24, 28, 30, 34):
        desk.at(minutes=minute)
        await desk.timer(bob, ticket)

    desk.at(minutes=8)
    assert await desk.sweep() == 0, "ada was idle for five minutes exactly: not longer"
    desk.at(minutes=9)
    assert await desk.sweep() == 1
    desk.at(minutes=30)
    await desk.timer(carl, ticket)
    desk.at(minutes=34)
    await desk.timer(carl, ticket)
    desk.at(minutes=36)
    assert await desk.sweep() == 1
    rows = await desk.sql("SELECT username, ended_at FROM entries ORDER BY username")
    assert [(r.username, r.ended_at and r.ended_at.strftime("%H:%M")) for r in rows] == [
        ("ada", "08:03"),
        ("bob", "08:30"),
        ("carl", None),
    ]
    booked = await desk.published("time_entry_booked")
    assert [(e["data"]["entry"]["username"], e["data"]["entry"]["duration_seconds"]) for e in booked] == [
        ("ada", 180),
        ("bob", 1800),
    ]
    assert [row.operator_id for row in await desk.sql("SELECT operator_id FROM timers")] == [carl.id]


async def test_two_sweeps_at_once_close_each_timer_once(desk: Any) -> None:
    await desk.settings(enabled=True)
    ticket = await desk.ticket()
    people = [desk.person(f"agent{index}") for index in range(30)]
    for person in people:
        desk.at(minutes=0)
        await desk.timer(person, ticket)
        desk.at(minutes=1)
        await desk.timer(person, ticket)
    now = desk.at(minutes=10)
    closed = await asyncio.gather(
        sweep_once(desk.app.sessions, now=now, batch_size=4),
        sweep_once(desk.app.sessions, now=now, batch_size=4),
    )
    assert sum(closed) == 30
    booked = await desk.published("time_entry_booked")
    assert sorted(e["data"]["entry"]["user_id"] for e in booked) == sorted(str(p.id) for p in people)
    assert len({e["subject"] for e in booked}) == 30
    assert await desk.sql("SELECT * FROM timers") == []


async def test_a_running_timer_survives_a_restart(desk: Any) -> None:
    await desk.settings(enabled=True)
    ada = desk.person("ada")
    ticket = await desk.ticket()
    started = await desk.timer(ada, ticket)
    async with desk.restarted():
        desk.at(minutes=3)
        read = await desk.timer(ada, ticket, "read")
        assert (read["state"], read["entry"]["id"], read["started_at"]) == (
            "running",
            started["entry"]["id"],
            T0,
        )
        await desk.timer(ada, ticket)
        desk.at(minutes=20)
        assert await desk.sweep() == 1
    assert await automatic(desk) == [("08:00", "08:03")]


async def test_a_timer_waits_for_an_entry_covering_now_and_stops_at_the_next_one(desk: Any) -> None:
    await desk.settings(enabled=True, idle_timeout_minutes=60, confirm_timeout_minutes=240)
    ada = desk.person("ada")
    ticket = await desk.ticket()
    await desk.book(ada, ticket, start="07:30", end="08:30")
    await desk.book(ada, ticket, start="10:00", end="11:00")
    blocked = await desk.timer(ada, ticket)
    assert (blocked["state"], blocked["blocked_until"]) == ("stopped", at("08:30"))

    desk.at(minutes=30)
    assert (await desk.timer(ada, ticket))["state"] == "running"
    for minute in (80, 130):
        desk.at(minutes=minute)
        await desk.timer(ada, ticket)
    desk.at(minutes=140)
    await desk.timer(ada, ticket, "stop")
    assert await automatic(desk) == [("08:30", "10:00")], "ended at the start of the booked entry"


async def test_a_department_that_stops_tracking_ends_the_running_entry(desk: Any) -> None:
    await desk.settings(enabled=True)
    ada = desk.person("ada")
    ticket = await desk.ticket()
    await desk.timer(ada, ticket)
    await desk.settings(enabled=False)
    desk.at(minutes=2)
    assert (await desk.timer(ada, ticket))["state"] == "disabled"
    assert await automatic(desk) == [("08:00", "08:02")]
