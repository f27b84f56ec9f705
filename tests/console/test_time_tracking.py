"""Time tracking in the console (seed 10.4, 10.8, 10.10; issue 19 part 6): the ticket dialog's Time
Tracking tab (manual entries refused under their fields, listed with rounded durations and totals,
deleted), the auto-timer it drives (started on opening, paused when idle, the confirm prompt and what an
unconfirmed timer books), the Time Tracking page's day timeline, and the department's section.

The timer tests move two clocks by the same amount: the time tracker's (`Console.set_server_clock`,
its sweep closing what went idle) and the browser's (Playwright's `page.clock`, installed before the
first page). Every wait is on what the page shows or on an answer, never a fixed sleep."""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Locator, Page, Response, expect

from tests.backbone.harness import eventually
from tests.console.harness import Console, assert_accessible, screenshot, sign_in

BERLIN = ZoneInfo("Europe/Berlin")
IN_BERLIN = pytest.mark.browser_context_args(timezone_id="Europe/Berlin", locale="en-GB")
MEMBER = ("tickets_enabled",)
TIME_PAGE = ("tickets_enabled", "tickets_view_time_tracking")
HOUR_PX = 48
# The timeline writes a span of times with an en dash (05:00 to 06:30).
DASH = "\u2013"


class Clocks:
    """The time tracker's clock and the browser's, moved together (the server's first, so that what the
    browser sends when its timers fire already meets the moved server)."""

    def __init__(self, console: Console, page: Page) -> None:
        self.console = console
        self.page = page
        self.server_ahead = 0.0

    def move_server(self, seconds: float) -> None:
        self.server_ahead += seconds
        self.console.set_server_clock(self.server_ahead)

    async def move(self, seconds: float) -> None:
        """A jump (a laptop's lid closed and opened): the browser's due timers fire once, at the end."""
        self.move_server(seconds)
        await self.page.clock.fast_forward(int(seconds * 1000))

    async def run(self, seconds: float) -> None:
        """Time passing: the browser's timers fire each at its own time."""
        self.move_server(seconds)
        await self.page.clock.run_for(int(seconds * 1000))


@pytest_asyncio.fixture(loop_scope="session")
async def clocks(console: Console, page: Page) -> AsyncIterator[Clocks]:
    await page.clock.install()
    yield Clocks(console, page)
    console.set_server_clock(0)


async def _department(console: Console, **settings: Any) -> dict[str, Any]:
    """A new department the time tracker knows (from ticketing's event), with these time settings."""
    department = await console.department()
    path = f"/api/time/departments/{department['id']}/time-tracking"

    async def known() -> bool:
        return (await console.admin.get(path)).status_code == 200

    await eventually(known, within=60, what="the department to reach the time tracker")
    if settings:
        saved = await console.admin.put(path, json=settings)
        assert saved.status_code == 200, saved.text
    return department


async def _ticket(console: Console, title: str, department: dict[str, Any]) -> dict[str, Any]:
    made = await console.ticket(title, department_id=department["id"])

    async def known() -> bool:
        return (await console.admin.get(f"/api/time/tickets/{made['id']}/entries")).status_code == 200

    await eventually(known, within=60, what="the ticket to reach the time tracker")
    return made


async def _entries(console: Console, ticket: dict[str, Any]) -> list[dict[str, Any]]:
    answer = await console.admin.get(
        f"/api/time/tickets/{ticket['id']}/entries", params={"time_zone": "Europe/Berlin"}
    )
    assert answer.status_code == 200, answer.text
    entries: list[dict[str, Any]] = answer.json()["entries"]
    return entries


async def _open(page: Page, console: Console, number: str) -> Locator:
    await page.goto(f"{console.url}/tickets/{number}?tab=time-tracking")
    dialog = page.get_by_role("dialog", name=re.compile(number))
    await expect(dialog.get_by_role("tab", name="Time Tracking")).to_have_attribute("aria-selected", "true")
    return dialog


def _timer_call(call: str) -> Any:
    """Matches the timer's call `call`, as a request or as its response."""
    return lambda message: (
        message.url.endswith(f"/timer/{call}") and (getattr(message, "request", message).method == "POST")
    )


async def _interact(page: Page, target: Locator) -> Response:
    """A click in the dialog, and the heartbeat it sends."""
    async with page.expect_response(_timer_call("heartbeat")) as beat:
        await target.click()
    response = await beat.value
    assert response.ok, await response.text()
    return response


def _berlin_today() -> date:
    return datetime.now(BERLIN).date()


def _at(day: date, clock: str) -> datetime:
    hours, minutes = (int(part) for part in clock.split(":"))
    return datetime.combine(day, time(hours, minutes), BERLIN)


def _berlin_clock(instant: str) -> str:
    return datetime.fromisoformat(instant).astimezone(BERLIN).strftime("%H:%M")


async def _type_time(field: Locator, text: str) -> None:
    await field.fill("")
    await field.press_sequentially(text)


@IN_BERLIN
async def test_a_manual_entry_is_rounded_refused_under_its_field_listed_with_totals_and_deleted(
    page: Page, console: Console
) -> None:
    department = await _department(console, rounding_minutes=15, rounding_mode="up")
    user = await console.operator(*MEMBER, departments=[department["id"]])
    made = await _ticket(console, "Printer jams on tray 2", department)
    today = _berlin_today().isoformat()
    await sign_in(page, console, user)
    dialog = await _open(page, console, made["number"])
    tabs = dialog.get_by_role("tab")
    await expect(tabs).to_have_text(["Conversation", "Details", "Time Tracking", "History", "Attachments"])
    await expect(dialog.locator("#auto-timer")).to_contain_text("Automatic time tracking is off")

    await dialog.get_by_role("button", name="Add Entry").click()
    form = dialog.get_by_role("form", name="Add a time entry")
    await expect(form.get_by_label("Date")).to_have_value(today)
    await expect(form.get_by_text("Times in Europe/Berlin")).to_be_visible()
    await _type_time(form.get_by_label("Start Time"), "09:00")
    duration = form.get_by_label("Duration")
    await form.get_by_label("End Time").press_sequentially("09:2")
    await expect(duration).to_have_value("—")
    await form.get_by_label("End Time").press_sequentially("0")
    await expect(duration).to_have_value("20 min")
    await form.get_by_label("Notes").fill("Replaced the pickup roller")
    await assert_accessible(page, "add entry form")
    await screenshot(page, "time-tracking-tab-add-entry")
    await form.get_by_role("button", name="Add entry").click()

    table = dialog.get_by_role("table", name="Time entries")
    rows = table.locator("tbody tr")
    await expect(rows).to_have_count(1)
    await expect(rows.first.get_by_role("cell")).to_have_text(
        [user, today, "09:00", "09:20", "20 min", "30 min", "Replaced the pickup roller", "Manual", ""]
    )
    totals = table.locator("tfoot td")
    await expect(totals).to_have_text(["Total", "20 min", "30 min", ""])
    # The booking was in the browser's zone: 09:00 in Berlin.
    (booked,) = await _entries(console, made)
    assert datetime.fromisoformat(booked["started_at"]) == _at(_berlin_today(), "09:00")
    assert (booked["duration_seconds"], booked["rounded_seconds"], booked["origin"]) == (1200, 1800, "manual")

    # End before start: under End Time, with what was typed kept.
    await _type_time(form.get_by_label("Start Time"), "10:00")
    await _type_time(form.get_by_label("End Time"), "09:30")
    await expect(duration).to_have_value("—")
    await form.get_by_role("button", name="Add entry").click()
    await expect(form.locator("#entry-end-error")).to_have_text(
        "The end (09:30) must be after the start (10:00)."
    )
    await expect(form.get_by_label("End Time")).to_have_value("09:30")
    # Overlapping the first: under Start Time, naming it.
    await _type_time(form.get_by_label("Start Time"), "09:10")
    await _type_time(form.get_by_label("End Time"), "09:40")
    await form.get_by_role("button", name="Add entry").click()
    await expect(form.locator("#entry-start-error")).to_have_text(
        f"Overlaps your entry on {made['number']} of {today}, 09:00 to 09:20 (Europe/Berlin)."
    )
    await expect(form.locator("#entry-end-error")).to_be_empty()
    await assert_accessible(page, "add entry refused")
    await screenshot(page, "time-tracking-tab-overlap-refused")

    await _type_time(form.get_by_label("Start Time"), "10:00")
    await _type_time(form.get_by_label("End Time"), "10:07")
    await form.get_by_label("Notes").fill("")
    await form.get_by_role("button", name="Add entry").click()
    await expect(rows).to_have_count(2)
    await expect(form.locator("#entry-start-error")).to_be_empty()
    await expect(rows.nth(1).get_by_role("cell").nth(5)).to_have_text("15 min")
    await expect(totals).to_have_text(["Total", "27 min", "45 min", ""])
    await assert_accessible(page, "time entries with totals")
    await screenshot(page, "time-tracking-tab-entries")

    await rows.first.get_by_role("button", name=f"Delete entry {today} 09:00 to 09:20").click()
    prompt = page.get_by_role("alertdialog")
    await expect(prompt).to_contain_text(f"the time entry of {today}, 09:00 to 09:20")
    await prompt.get_by_role("button", name="Delete").click()
    await expect(rows).to_have_count(1)
    await expect(rows.first.get_by_role("cell").nth(2)).to_have_text("10:00")
    await expect(totals).to_have_text(["Total", "7 min", "15 min", ""])
    assert [entry["start"] for entry in await _entries(console, made)] == ["10:00"]


@IN_BERLIN
async def test_the_auto_timer_starts_on_opening_pauses_when_idle_and_the_next_interaction_starts_a_new_entry(
    page: Page, console: Console, clocks: Clocks
) -> None:
    department = await _department(console, enabled=True, idle_timeout_minutes=5, confirm_timeout_minutes=60)
    user = await console.operator(*MEMBER, departments=[department["id"]])
    made = await _ticket(console, "VPN drops every hour", department)
    await sign_in(page, console, user)
    dialog = await _open(page, console, made["number"])
    alert = dialog.locator("#auto-timer")
    await expect(alert).to_contain_text("Timer running since")
    (first,) = await _entries(console, made)
    assert (first["origin"], first["running"], first["username"]) == ("automatic", True, user)
    await expect(alert).to_contain_text(f"Timer running since {_berlin_clock(first['started_at'])}")
    rows = dialog.get_by_role("table", name="Time entries").locator("tbody tr")
    await expect(rows).to_have_count(1)
    await expect(rows.first.get_by_role("cell").nth(3)).to_have_text("Running")
    await assert_accessible(page, "auto-timer running")
    await screenshot(page, "time-tracking-timer-running")

    # Work 40 s later: the heartbeat keeps the entry going.
    await clocks.move(40)
    await _interact(page, alert)
    await expect(alert).to_contain_text(re.compile(r"\(0:00:[4-9]\d\)|\(0:01:\d\d\)"))
    # Typing on: one heartbeat for it, 30 s after the last.
    beats: list[str] = []
    page.on(
        "request", lambda request: beats.append(request.url) if _timer_call("heartbeat")(request) else None
    )
    for _ in range(5):
        await page.keyboard.press("Shift")
    # (Its answer is waited for: the server's clock must not move while it is on its way.)
    async with page.expect_response(_timer_call("heartbeat")):
        await clocks.run(31)
    assert len(beats) == 1, beats
    # Then nothing for longer than the idle timeout: paused, and the entry ends at that last activity.
    await clocks.move(5 * 60 + 20)
    await expect(alert).to_contain_text("Paused at")
    await expect(alert).to_contain_text("after 5 minutes without activity")
    await expect(rows.first.get_by_role("cell").nth(3)).not_to_have_text("Running")
    listed = await _entries(console, made)
    assert len(listed) == 1, (listed, beats)
    (closed,) = listed
    assert closed["id"] == first["id"] and not closed["running"]
    assert 70 <= closed["duration_seconds"] < 200, closed
    await expect(alert).to_contain_text(f"Paused at {_berlin_clock(closed['ended_at'])}")
    await assert_accessible(page, "auto-timer paused")
    await screenshot(page, "time-tracking-timer-paused")

    # The next interaction starts a new entry.
    await _interact(page, alert)
    await expect(alert).to_contain_text("Timer running since")
    await expect(rows).to_have_count(2)
    await expect(rows.nth(1).get_by_role("cell").nth(3)).to_have_text("Running")
    await expect(rows.first.get_by_role("cell").nth(7)).to_have_text("Automatic")
    entries = await _entries(console, made)
    assert [(entry["id"] == first["id"], entry["running"]) for entry in entries] == [
        (True, False),
        (False, True),
    ]
    assert datetime.fromisoformat(entries[1]["started_at"]) > datetime.fromisoformat(closed["ended_at"])

    # Closing the dialog stops it.
    async with page.expect_response(_timer_call("stop")):
        await page.keyboard.press("Escape")
    await expect(page).to_have_url(re.compile(r"/tickets$"))
    assert not any(entry["running"] for entry in await _entries(console, made))


@IN_BERLIN
async def test_the_confirm_prompt_comes_by_the_servers_clock_and_confirm_keeps_the_entry(
    page: Page, console: Console, clocks: Clocks
) -> None:
    department = await _department(console, enabled=True, idle_timeout_minutes=15, confirm_timeout_minutes=10)
    user = await console.operator(*MEMBER, departments=[department["id"]])
    made = await _ticket(console, "Mail does not sync on the phone", department)
    # The server's clock is an hour ahead of the browser's: the prompt must come by the server's.
    clocks.move_server(3600)
    await sign_in(page, console, user)
    dialog = await _open(page, console, made["number"])
    alert = dialog.locator("#auto-timer")
    await expect(alert).to_contain_text("Timer running since")
    (first,) = await _entries(console, made)
    prompt = dialog.locator("#auto-timer-prompt")
    await clocks.move(9 * 60)
    await expect(alert).to_contain_text(re.compile(r"\(0:09:\d\d\)"))
    await expect(prompt).to_have_count(0)

    await clocks.move(65)
    await expect(prompt).to_contain_text(f"Still working on {made['number']}?")
    await expect(alert).to_contain_text("Waiting for your confirmation since")
    await expect(alert).to_contain_text(re.compile(r"0:10:00\): confirm to go on"))
    await assert_accessible(page, "confirm prompt")
    await screenshot(page, "time-tracking-confirm-prompt")

    async with page.expect_response(_timer_call("confirm")) as confirmed:
        await prompt.get_by_role("button", name="Confirm").click()
    assert (await confirmed.value).ok
    await expect(prompt).to_have_count(0)
    await expect(alert).to_contain_text("Timer running since")
    await expect(alert).to_contain_text(re.compile(r"\(0:1[01]:\d\d\)"))
    (kept,) = await _entries(console, made)
    assert (kept["id"], kept["running"]) == (first["id"], True)
    await screenshot(page, "time-tracking-confirmed")

    # Closing the browser's tab stops it too (a request kept alive past the page), long before the
    # sweep would have: the idle timeout is a quarter of an hour.
    await page.close(run_before_unload=True)

    async def stopped() -> bool:
        return not (await _entries(console, made))[0]["running"]

    await eventually(stopped, within=20, what="the closed tab to stop the timer")


@IN_BERLIN
async def test_an_unconfirmed_entry_stops_at_the_time_the_confirmation_was_due(
    page: Page, console: Console, clocks: Clocks
) -> None:
    department = await _department(console, enabled=True, idle_timeout_minutes=15, confirm_timeout_minutes=10)
    user = await console.operator(*MEMBER, departments=[department["id"]])
    made = await _ticket(console, "Shared drive is read-only", department)
    await sign_in(page, console, user)
    dialog = await _open(page, console, made["number"])
    alert = dialog.locator("#auto-timer")
    await expect(alert).to_contain_text("Timer running since")
    prompt = dialog.locator("#auto-timer-prompt")
    await clocks.move(10 * 60 + 5)
    await expect(prompt).to_be_visible()
    # Work goes on, but the prompt is left unanswered: past the due time the work no longer counts.
    beat = await (await _interact(page, alert)).json()
    assert (beat["state"], beat["last_activity_at"]) == ("confirmation_due", beat["confirm_due_at"])

    # No confirmation within the idle timeout after it fell due: the entry ended when it was due.
    await clocks.move(15 * 60)
    await expect(alert).to_contain_text("when the confirmation was due")
    await expect(prompt).to_have_count(0)
    rows = dialog.get_by_role("table", name="Time entries").locator("tbody tr")
    await expect(rows.first.get_by_role("cell").nth(4)).to_have_text("10 min")
    (stopped,) = await _entries(console, made)
    assert not stopped["running"] and stopped["duration_seconds"] == 600
    await expect(alert).to_contain_text(f"Stopped at {_berlin_clock(stopped['ended_at'])}")
    await assert_accessible(page, "auto-timer unconfirmed")
    await screenshot(page, "time-tracking-timer-unconfirmed")


@IN_BERLIN
async def test_a_booked_entry_covering_now_holds_the_timer_until_it_ends(
    page: Page, console: Console, clocks: Clocks
) -> None:
    department = await _department(console, enabled=True, idle_timeout_minutes=15, confirm_timeout_minutes=60)
    user = await console.operator(*MEMBER, departments=[department["id"]])
    made = await _ticket(console, "Meeting room screen", department)
    today = _berlin_today()
    mine = await console.stack.bearer(user)
    try:
        await _book(mine, made, today, "09:30", "11:00")
    finally:
        await mine.aclose()
    # The server's clock at 10:00 today, inside the booked entry (the browser's stays where it is).
    clocks.move_server((_at(today, "10:00") - datetime.now(UTC)).total_seconds())
    await sign_in(page, console, user)
    dialog = await _open(page, console, made["number"])
    alert = dialog.locator("#auto-timer")
    await expect(alert).to_contain_text("your booked entry runs until 11:00")
    await assert_accessible(page, "auto-timer blocked")
    await screenshot(page, "time-tracking-timer-blocked")

    # Once the entry has ended the timer starts by itself, the dialog still open.
    await clocks.move(61 * 60)
    await expect(alert).to_contain_text(re.compile(r"Timer running since 11:0\d"))
    rows = dialog.get_by_role("table", name="Time entries").locator("tbody tr")
    await expect(rows).to_have_count(2)
    await expect(rows.nth(1).get_by_role("cell").nth(3)).to_have_text("Running")


async def _book(client: httpx.AsyncClient, ticket: dict[str, Any], day: date, start: str, end: str) -> None:
    booked = await client.post(
        f"/api/time/tickets/{ticket['id']}/entries",
        json={
            "date": day.isoformat(),
            "start": start,
            "end": end,
            "time_zone": "Europe/Berlin",
            "notes": "On site",
        },
    )
    assert booked.status_code == 201, booked.text


def _long(day: date) -> re.Pattern[str]:
    return re.compile(rf"^{day:%A},? {day.day} {day:%B} {day.year}$")


def _offset(day: date, clock: str) -> float:
    """Where a local time is on the day's timeline: the hours since midnight that really passed (a day
    the clocks change has 23 or 25)."""
    return (_at(day, clock) - _at(day, "00:00")).total_seconds() / 3600 * HOUR_PX


def _top(box: dict[str, float] | None, timeline: dict[str, float] | None) -> float:
    assert box is not None and timeline is not None
    return box["y"] - timeline["y"]


@IN_BERLIN
async def test_the_page_shows_the_day_as_blocks_by_time_with_the_now_line_and_deletes_from_the_list(
    page: Page, console: Console
) -> None:
    department = await _department(
        console, enabled=True, idle_timeout_minutes=60, confirm_timeout_minutes=120
    )
    user = await console.operator(*TIME_PAGE, departments=[department["id"]])
    colleague = await console.operator(*MEMBER, departments=[department["id"]])
    first = await _ticket(console, "Scanner on floor 3", department)
    second = await _ticket(console, "New starter laptop", department)
    today = _berlin_today()
    yesterday = today - timedelta(days=1)
    mine = await console.stack.bearer(user)
    theirs = await console.stack.bearer(colleague)
    try:
        await _book(mine, first, today, "05:00", "06:30")
        await _book(theirs, second, today, "05:30", "07:00")
        # An automatic entry of yesterday, 10:00 to 10:40: the auto-timer on the server's clock, set back.
        back = (_at(yesterday, "10:00") - datetime.now(UTC)).total_seconds()
        try:
            console.set_server_clock(back)
            started = await mine.post(f"/api/time/tickets/{second['id']}/timer/heartbeat")
            assert started.json()["state"] == "running", started.text
            console.set_server_clock(back + 40 * 60)
            assert (await mine.post(f"/api/time/tickets/{second['id']}/timer/stop")).status_code == 200
        finally:
            console.set_server_clock(0)
    finally:
        await mine.aclose()
        await theirs.aclose()

    await sign_in(page, console, user)
    await page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Time Tracking").click()
    await expect(page).to_have_url(f"{console.url}/tickets/time-tracking")
    await expect(page.get_by_role("heading", name=_long(today))).to_be_visible()
    timeline = page.get_by_test_id("timeline")
    blocks = page.get_by_role("list", name="Entries on the timeline").get_by_role("listitem")
    await expect(blocks).to_have_count(2)
    manual = blocks.filter(has_text=f"{first['number']} 05:00{DASH}06:30")
    other = blocks.filter(has_text=f"{second['number']} 05:30{DASH}07:00")
    await expect(manual.get_by_role("link")).to_have_attribute("href", f"/tickets/{first['number']}")
    await expect(manual).to_contain_text(user)
    await expect(manual).to_have_css("background-color", "rgb(29, 78, 216)")
    frame = await timeline.bounding_box()
    manual_box, other_box = await manual.bounding_box(), await other.bounding_box()
    assert manual_box and other_box
    assert abs(_top(manual_box, frame) - _offset(today, "05:00")) <= 2
    assert abs(manual_box["height"] - 1.5 * HOUR_PX) <= 2
    assert abs(_top(other_box, frame) - _offset(today, "05:30")) <= 2
    # The two overlap (two operators): side by side.
    assert other_box["x"] >= manual_box["x"] + manual_box["width"] - 2
    now_line = page.get_by_test_id("now-line")
    await expect(now_line).to_be_visible()
    midnight = _at(today, "00:00")
    hours_in = (datetime.now(UTC) - midnight).total_seconds() / 3600
    assert abs(_top(await now_line.bounding_box(), frame) - hours_in * HOUR_PX) <= HOUR_PX / 4
    await expect(now_line).to_have_css("border-top-color", "rgb(220, 38, 38)")
    listed = page.get_by_role("list", name="Entries of the day").get_by_role("listitem")
    await expect(listed).to_have_count(2)
    await expect(listed.nth(0)).to_contain_text(first["number"])
    await expect(listed.nth(1)).to_contain_text(second["number"])
    await expect(listed.nth(0).get_by_role("button", name=re.compile("^Delete entry"))).to_be_visible()
    # The colleague's entry: shown, not deletable for this operator.
    await expect(listed.nth(1).get_by_role("button")).to_have_count(0)
    await assert_accessible(page, "time tracking page")
    await screenshot(page, "time-tracking-page-today")

    await page.get_by_role("button", name="Previous day").click()
    await expect(page).to_have_url(f"{console.url}/tickets/time-tracking?date={yesterday}")
    await expect(page.get_by_role("heading", name=_long(yesterday))).to_be_visible()
    automatic = blocks.filter(has_text=f"{second['number']} 10:00{DASH}10:40")
    await expect(blocks).to_have_count(1)
    await expect(automatic).to_have_css("background-color", "rgb(21, 128, 61)")
    frame = await timeline.bounding_box()
    automatic_box = await automatic.bounding_box()
    assert automatic_box
    assert abs(_top(automatic_box, frame) - _offset(yesterday, "10:00")) <= 2
    assert abs(automatic_box["height"] - HOUR_PX * 40 / 60) <= 2
    await expect(now_line).to_have_count(0)
    await expect(listed.first).to_contain_text("Automatic")
    await assert_accessible(page, "time tracking page yesterday")
    await screenshot(page, "time-tracking-page-yesterday")

    await page.get_by_role("button", name="Next day").click()
    await expect(page).to_have_url(f"{console.url}/tickets/time-tracking")
    await expect(now_line).to_be_visible()

    # The day the clocks went forward in 2026 has 23 hours, and no 02:00.
    picker = page.get_by_label("Day", exact=True)
    await picker.fill("2026-03-29")
    await picker.press("Enter")
    await expect(page).to_have_url(f"{console.url}/tickets/time-tracking?date=2026-03-29")
    await expect(timeline).to_have_attribute("data-hours", "23")
    labels = page.get_by_test_id("hour-label")
    await expect(labels).to_have_count(23)
    await expect(labels.nth(2)).to_have_text("03:00")
    await page.keyboard.press("Escape")
    await expect(page.locator(".p-datepicker-panel")).to_have_count(0)
    await screenshot(page, "time-tracking-page-dst")
    await page.get_by_role("button", name="Today").click()
    await expect(page).to_have_url(f"{console.url}/tickets/time-tracking")
    await expect(blocks).to_have_count(2)

    await listed.nth(0).get_by_role("button", name=re.compile("^Delete entry")).click()
    await page.get_by_role("alertdialog").get_by_role("button", name="Delete").click()
    await expect(listed).to_have_count(1)
    await expect(blocks).to_have_count(1)
    assert await _entries(console, first) == []


async def _number(box: Locator, value: str) -> None:
    """InputNumber takes keystrokes, not a pasted value."""
    await box.click()
    await box.press("Control+a")
    await box.press("Backspace")
    await box.press_sequentially(value)


async def test_the_departments_time_tracking_section_saves_and_refuses_bad_values_under_the_fields(
    page: Page, console: Console
) -> None:
    user = await console.operator("tickets_enabled", "tickets_manage_departments")
    department = await _department(console)
    name = department["name"]
    await sign_in(page, console, user, at="/tickets/departments")
    await page.get_by_role("button", name=f"Edit {name}").click()
    dialog = page.get_by_role("dialog", name=f"Edit department {name}")
    section = dialog.get_by_role("region", name="Time Tracking")
    idle = section.get_by_label("Idle Timeout (minutes)")
    await expect(idle).to_have_value("5")
    await expect(section.get_by_label("Confirm Timeout (minutes)")).to_have_value("60")
    await expect(section.get_by_label("Rounding (minutes, 0 = exact)")).to_have_value("0")
    await expect(section.get_by_label("Up to the next step")).to_be_checked()
    await expect(section.get_by_label("Automatic time tracking enabled")).not_to_be_checked()
    await expect(dialog.get_by_role("heading")).to_contain_text(
        ["General", "Auto-Reply Email", "Follow-Up Reminder Email", "Time Tracking", "Cleanup"]
    )

    await section.get_by_label("Automatic time tracking enabled").check()
    await _number(idle, "0")
    await _number(section.get_by_label("Rounding (minutes, 0 = exact)"), "2000")
    await dialog.get_by_role("button", name="Save").click()
    await expect(section.locator("#time-tracking-idle-error")).to_have_text(
        "The idle timeout is 1 to 1440 minutes (a day); 0 is outside."
    )
    await expect(section.locator("#time-tracking-rounding-error")).to_have_text(
        "The rounding step is 0 to 1440 minutes (a day); 2000 is outside."
    )
    await expect(section.locator("#time-tracking-confirm-error")).to_be_empty()
    await expect(idle).to_have_value("0")
    await assert_accessible(page, "time tracking section refused")
    await screenshot(page, "department-time-tracking-refused")

    await _number(idle, "10")
    await _number(section.get_by_label("Confirm Timeout (minutes)"), "45")
    await _number(section.get_by_label("Rounding (minutes, 0 = exact)"), "15")
    await section.get_by_label("To the nearest step").check()
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_have_count(0)
    saved = (await console.admin.get(f"/api/time/departments/{department['id']}/time-tracking")).json()
    assert (
        saved["enabled"],
        saved["idle_timeout_minutes"],
        saved["confirm_timeout_minutes"],
        saved["rounding_minutes"],
        saved["rounding_mode"],
    ) == (True, 10, 45, 15, "nearest")

    await page.get_by_role("button", name=f"Edit {name}").click()
    dialog = page.get_by_role("dialog", name=f"Edit department {name}")
    section = dialog.get_by_role("region", name="Time Tracking")
    await expect(section.get_by_label("Idle Timeout (minutes)")).to_have_value("10")
    await expect(section.get_by_label("To the nearest step")).to_be_checked()
    await expect(section.get_by_label("Automatic time tracking enabled")).to_be_checked()
    await screenshot(page, "department-time-tracking-saved")
    await page.keyboard.press("Escape")

    # A new department's section is saved once the time tracker has heard of it.
    await page.get_by_role("button", name="New department").click()
    created = page.get_by_role("dialog", name="New department")
    new_name = f"Field service {secrets.token_hex(3)}"
    await created.get_by_label("Name", exact=True).fill(new_name)
    section = created.get_by_role("region", name="Time Tracking")
    await section.get_by_label("Automatic time tracking enabled").check()
    await _number(section.get_by_label("Rounding (minutes, 0 = exact)"), "30")
    await created.get_by_role("button", name="Create").click()
    await expect(created).to_have_count(0)
    listed = (await console.admin.get("/api/tickets/departments")).json()
    (new,) = [item for item in listed if item["name"] == new_name]
    settings = (await console.admin.get(f"/api/time/departments/{new['id']}/time-tracking")).json()
    assert (settings["enabled"], settings["rounding_minutes"], settings["idle_timeout_minutes"]) == (
        True,
        30,
        5,
    )


async def test_the_page_needs_tickets_view_time_tracking_and_the_tab_needs_the_ticket_module(
    page: Page, console: Console
) -> None:
    department = await _department(console)
    made = await _ticket(console, "Projector in room 2", department)
    user = await console.operator(*MEMBER, departments=[department["id"]])
    await sign_in(page, console, user)
    menu = page.get_by_role("navigation", name="Main menu")
    await expect(menu.get_by_role("link", name=re.compile(r"^Tickets"))).to_be_visible()
    await expect(menu.get_by_role("link", name="Time Tracking")).to_have_count(0)
    await page.goto(f"{console.url}/tickets/time-tracking")
    await expect(page.get_by_text("You may not open /tickets/time-tracking")).to_be_visible()
    # The tab is the ticket's: whoever may open the ticket sees it.
    dialog = await _open(page, console, made["number"])
    await expect(dialog.locator("#auto-timer")).to_contain_text("Automatic time tracking is off")
    await assert_accessible(page, "time tracking tab of a member")
    await page.keyboard.press("Escape")
    await expect(page).to_have_url(f"{console.url}/tickets")

    outsider = await console.operator("tickets_view_time_tracking")
    await page.get_by_role("button", name="Sign out").click()
    await sign_in(page, console, outsider)
    menu = page.get_by_role("navigation", name="Main menu")
    await expect(menu.get_by_role("link", name="Time Tracking")).to_have_count(0)
    await page.goto(f"{console.url}/tickets/time-tracking")
    await expect(page.get_by_text("You may not open /tickets/time-tracking")).to_be_visible()
    await page.goto(f"{console.url}/tickets/{made['number']}?tab=time-tracking")
    await expect(page.get_by_text(f"You may not open /tickets/{made['number']}")).to_be_visible()
    await expect(page.get_by_role("tab", name="Time Tracking")).to_have_count(0)
