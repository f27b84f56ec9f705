"""Business calendars and the SLA dialog's thresholds and clock (issue 18): a calendar is made with its
working hours in a time zone and its holidays, changed, and listed; an SLA counts in it with its own
thresholds, pause and reopen rule; a calendar an SLA counts in cannot be deleted until the SLA is back
on the wall clock. Each step is checked through the API too."""

from __future__ import annotations

import re

from playwright.async_api import Locator, Page, expect

from tests.backbone.harness import eventually
from tests.console.harness import Console, assert_accessible, row, screenshot, settled, sign_in, unique

FLAGS = ("tickets_enabled", "tickets_manage_sla")
CALENDARS = "/tickets/sla/calendars"
ACTIVE = re.compile(r"\bactive\b")


def dashed(summary: str) -> str:
    """The weekly hours as the list writes them, with en dashes between days and times."""
    return summary.replace("-", "\N{EN DASH}")


async def engine_ready(console: Console) -> None:
    """The module switch reaches the SLA engine over the bus: until then it refuses its API."""

    async def answers() -> bool:
        return (await console.admin.get("/api/sla/calendars")).status_code == 200

    await eventually(answers, within=60, what="the SLA engine to serve calendars")


async def choose(page: Page, combobox: Locator, option: str) -> None:
    await combobox.click()
    await page.get_by_role("option", name=option).click()
    await expect(page.get_by_role("listbox")).to_have_count(0)


def period(dialog: Locator, day: str, number: int, end: str) -> Locator:
    return dialog.get_by_role("textbox", name=f"{day} period {number} {end}", exact=True)


async def add_holiday(dialog: Locator, date: str, name: str, *, recurring: bool) -> None:
    await dialog.get_by_label("Date", exact=True).fill(date)
    # Clicking the name closes the date picker's panel (Escape would close the dialog too), once the
    # panel has opened: it listens for clicks outside only from then on.
    await settled(dialog.page)
    await dialog.get_by_label("Holiday name").click()
    await expect(dialog.locator(".p-datepicker-panel")).to_be_hidden()
    await dialog.get_by_label("Holiday name").fill(name)
    if recurring:
        await dialog.get_by_label("Every year (recurring)").check()
    await dialog.get_by_role("button", name="Add holiday").click()


async def test_a_calendar_is_created_with_hours_in_its_zone_and_holidays_then_changed_and_listed(
    page: Page, console: Console
) -> None:
    await engine_ready(console)
    username = await console.operator(*FLAGS)
    await sign_in(page, console, username, at=CALENDARS)
    await expect(page.get_by_role("heading", name="Calendars")).to_be_visible()
    menu = page.get_by_role("navigation", name="Main menu")
    await expect(menu.get_by_role("link", name="Calendars")).to_have_class(ACTIVE)
    await expect(menu.get_by_role("link", name="SLA", exact=True)).not_to_have_class(ACTIVE)
    await assert_accessible(page, "calendars")

    name = unique("Berlin office")
    await page.get_by_role("button", name="New calendar").click()
    dialog = page.get_by_role("dialog", name="New calendar")
    # A new calendar works Monday to Friday, 09:00 to 17:00.
    await expect(period(dialog, "Monday", 1, "from")).to_have_value("09:00")
    await expect(period(dialog, "Friday", 1, "to")).to_have_value("17:00")
    await expect(period(dialog, "Saturday", 1, "from")).to_have_count(0)
    await dialog.get_by_label("Name", exact=True).fill(name)
    await dialog.get_by_label("Time Zone").click()
    await page.get_by_role("searchbox", name="Filter time zones").fill("Berlin")
    await page.get_by_role("option", name="Europe/Berlin").click()
    await expect(dialog.get_by_label("Time Zone")).to_have_text("Europe/Berlin")
    await period(dialog, "Friday", 1, "to").fill("15:00")
    await dialog.get_by_role("button", name="Add period on Saturday").click()
    await period(dialog, "Saturday", 1, "from").fill("10:00")
    await period(dialog, "Saturday", 1, "to").fill("09:00")
    await dialog.get_by_role("button", name="Add period on Sunday").click()
    await period(dialog, "Sunday", 1, "from").fill("9")
    await dialog.get_by_role("button", name="Create").click()
    # Each refusal beside its period, the rest of the form as typed.
    saturday = dialog.get_by_role("group", name="Saturday")
    await expect(saturday.get_by_role("alert")).to_contain_text("must be after the start")
    sunday = dialog.get_by_role("group", name="Sunday")
    await expect(sunday.get_by_role("alert")).to_contain_text("Enter a time as HH:MM")
    await expect(dialog.get_by_label("Name", exact=True)).to_have_value(name)
    await expect(period(dialog, "Friday", 1, "to")).to_have_value("15:00")
    await assert_accessible(page, "calendar period errors")
    await screenshot(page, "calendars-period-errors")
    assert await console.named("/api/sla/calendars", name) is None

    await period(dialog, "Saturday", 1, "to").fill("14:00")
    await sunday.get_by_role("button", name="Remove Sunday period 1").click()
    await dialog.get_by_label("Description").fill("Head office")
    await dialog.get_by_role("button", name="Create").click()
    # Created, the dialog stays open as the calendar's own, for its holidays.
    dialog = page.get_by_role("dialog", name=f"Edit calendar {name}")
    await expect(dialog.get_by_role("status")).to_contain_text("The calendar is created")
    await expect(row(page.locator(".page"), name)).to_contain_text("Europe/Berlin")

    await add_holiday(dialog, "2025-12-25", "Christmas Day", recurring=True)
    holidays = dialog.get_by_role("table", name="Holidays")
    await expect(row(holidays, "Christmas Day")).to_contain_text("every 25 Dec")
    await expect(row(holidays, "Christmas Day")).to_contain_text("Recurring")
    await add_holiday(dialog, "2026-10-02", "Bridge day", recurring=False)
    await expect(row(holidays, "Bridge day")).to_contain_text("2 Oct 2026")
    await expect(row(holidays, "Bridge day")).not_to_contain_text("Recurring")
    # Another holiday on Christmas of some year is refused under the date, the name kept.
    await add_holiday(dialog, "2027-12-25", "Second Christmas", recurring=False)
    await expect(dialog.locator("#holiday-date-error")).to_contain_text("every December 25 already")
    await expect(dialog.get_by_label("Holiday name")).to_have_value("Second Christmas")
    await screenshot(page, "calendars-holiday-clash")
    await add_holiday(dialog, "2027-12-27", "Boxing day off", recurring=False)
    await expect(row(holidays, "Boxing day off")).to_contain_text("27 Dec 2027")

    await row(holidays, "Bridge day").get_by_role("button", name="Edit holiday Bridge day").click()
    await expect(dialog.get_by_label("Holiday name")).to_have_value("Bridge day")
    await dialog.get_by_label("Holiday name").fill("Company day")
    await dialog.get_by_role("button", name="Save holiday").click()
    await expect(row(holidays, "Company day")).to_contain_text("2 Oct 2026")
    await row(holidays, "Boxing day off").get_by_role("button", name="Delete holiday Boxing day off").click()
    await page.get_by_role("alertdialog").get_by_role("button", name="Delete").click()
    await expect(row(holidays, "Boxing day off")).to_have_count(0)
    await assert_accessible(page, "calendar with holidays")
    await screenshot(page, "calendars-holidays")
    await dialog.get_by_role("button", name="Done").click()
    await expect(dialog).to_have_count(0)

    listed = row(page, name)
    await expect(listed).to_contain_text(dashed("Mon-Thu 09:00-17:00; Fri 09:00-15:00; Sat 10:00-14:00"))
    await row(page, name).get_by_role("button", name=f"Edit calendar {name}").click()
    dialog = page.get_by_role("dialog", name=f"Edit calendar {name}")
    await expect(period(dialog, "Saturday", 1, "from")).to_have_value("10:00")
    await expect(row(dialog.get_by_role("table", name="Holidays"), "Christmas Day")).to_be_visible()
    await dialog.get_by_role("button", name="Remove Saturday period 1").click()
    await dialog.get_by_role("button", name="Add period on Monday").click()
    await period(dialog, "Monday", 1, "to").fill("12:00")
    await period(dialog, "Monday", 2, "from").fill("13:00")
    await period(dialog, "Monday", 2, "to").fill("18:00")
    await screenshot(page, "calendars-edit")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_have_count(0)
    await expect(listed).to_contain_text(
        dashed("Mon 09:00-12:00, 13:00-18:00; Tue-Thu 09:00-17:00; Fri 09:00-15:00")
    )
    await expect(listed).not_to_contain_text("Sat")
    await screenshot(page, "calendars-list")

    stored = await console.named("/api/sla/calendars", name)
    assert stored
    assert (stored["time_zone"], stored["description"]) == ("Europe/Berlin", "Head office")
    hours = [(period["weekday"], period["start"], period["end"]) for period in stored["working_hours"]]
    assert hours == [
        (0, "09:00", "12:00"),
        (0, "13:00", "18:00"),
        *((weekday, "09:00", "17:00") for weekday in (1, 2, 3)),
        (4, "09:00", "15:00"),
    ]
    holidays_stored = await console.read(f"/api/sla/calendars/{stored['id']}/holidays")
    assert [(item["date"], item["recurring"], item["name"]) for item in holidays_stored] == [
        ("2026-10-02", False, "Company day"),
        ("2025-12-25", True, "Christmas Day"),
    ]
    await console.admin.delete(f"/api/sla/calendars/{stored['id']}")


async def sla_dialog_values(dialog: Locator) -> tuple[str, str]:
    warn = dialog.get_by_role("spinbutton", name="Warn when % of the window is left")
    critical = dialog.get_by_role("spinbutton", name="Critical when % is left")
    return await warn.input_value(), await critical.input_value()


async def test_an_sla_counts_in_a_calendar_which_cannot_be_deleted_until_the_sla_leaves_it(
    page: Page, console: Console
) -> None:
    await engine_ready(console)
    calendar_name = unique("Support hours")
    created = await console.admin.post(
        "/api/sla/calendars",
        json={
            "name": calendar_name,
            "time_zone": "America/New_York",
            "working_hours": [{"weekday": day, "start": "08:00", "end": "18:00"} for day in range(5)],
        },
    )
    assert created.status_code == 201, created.text
    calendar = created.json()
    username = await console.operator(*FLAGS)
    await sign_in(page, console, username, at="/tickets/sla")
    await expect(page.get_by_role("heading", name="SLA")).to_be_visible()

    name = unique("Business")
    await page.get_by_role("button", name="New SLA").click()
    dialog = page.get_by_role("dialog", name="New SLA")
    # The defaults: warn at half the window left, critical at a fifth, on the wall clock.
    assert await sla_dialog_values(dialog) == ("50", "20")
    await expect(dialog.get_by_label("Clock")).to_have_text("Wall clock (24/7)")
    await expect(dialog.get_by_label("Keep the deadlines set at creation")).to_be_checked()
    await dialog.get_by_label("Name").fill(name)
    await dialog.get_by_label("Response Time (hours)").fill("8")
    await dialog.get_by_label("Resolution Time (hours)").fill("40")
    await dialog.get_by_role("spinbutton", name="Warn when % of the window is left").fill("60")
    await dialog.get_by_role("spinbutton", name="Critical when % is left").fill("60")
    await choose(page, dialog.get_by_label("Clock"), calendar_name)
    await dialog.get_by_role("button", name="Create").click()
    # Not below the warning: refused under the critical share, everything typed kept.
    await expect(dialog.locator("#sla-critical-error")).to_contain_text(
        "The critical share must be below the warning share"
    )
    await expect(dialog.locator("#sla-warning-error")).to_be_empty()
    await expect(dialog.locator(".problem-message")).to_have_count(0)
    assert await sla_dialog_values(dialog) == ("60", "60")
    await expect(dialog.get_by_label("Name")).to_have_value(name)
    await expect(dialog.get_by_label("Clock")).to_contain_text(calendar_name)
    await assert_accessible(page, "sla threshold error")
    await screenshot(page, "sla-threshold-error")
    assert await console.named("/api/sla/definitions", name) is None

    # The model follows the typing, not only the field's blur (PrimeVue's InputNumber alone waits for it).
    critical = dialog.get_by_role("spinbutton", name="Critical when % is left")
    await critical.fill("25")
    await expect(critical).to_be_focused()
    await expect(dialog).to_contain_text(
        "of 8 h: a warning 4.8 h before the deadline, critical 2 h before it"
    )
    await dialog.get_by_label("Pause while Waiting").check()
    await dialog.get_by_label("Count again from the reopening").check()
    await assert_accessible(page, "sla dialog with a calendar")
    await screenshot(page, "sla-new-with-calendar")
    await dialog.get_by_role("button", name="Create").click()
    await expect(dialog).to_have_count(0)
    listed = row(page, name)
    for shown in (
        calendar_name,
        "Warning at 60 % left",
        "Critical at 25 % left",
        "Pauses while Waiting",
        "Counts again on reopening",
    ):
        await expect(listed).to_contain_text(shown)
    await assert_accessible(page, "sla list")
    await screenshot(page, "sla-list-with-calendar")
    stored = await console.named("/api/sla/definitions", name)
    assert stored
    assert (stored["warning_share"], stored["critical_share"]) == (0.6, 0.25)
    assert (stored["calendar_id"], stored["pause_while_waiting"], stored["on_reopen"]) == (
        calendar["id"],
        True,
        "restart_from_reopen",
    )
    assert (stored["response_hours"], stored["resolution_hours"]) == (8, 40)

    menu = page.get_by_role("navigation", name="Main menu")
    await menu.get_by_role("link", name="Calendars").click()
    await expect(page.get_by_role("heading", name="Calendars")).to_be_visible()
    await row(page, calendar_name).get_by_role("button", name=f"Delete calendar {calendar_name}").click()
    prompt = page.get_by_role("alertdialog")
    await expect(prompt).to_contain_text("This is a hard delete")
    await prompt.get_by_role("button", name="Delete").click()
    refusal = page.locator(".page .problem-message")
    await expect(refusal).to_contain_text(f"used by the SLA {name}")
    await expect(row(page, calendar_name)).to_contain_text("America/New_York")
    await assert_accessible(page, "calendar delete refused")
    await screenshot(page, "calendars-delete-refused")
    assert await console.named("/api/sla/calendars", calendar_name)

    await menu.get_by_role("link", name="SLA", exact=True).click()
    await row(page, name).get_by_role("button", name=f"Edit SLA {name}").click()
    dialog = page.get_by_role("dialog", name="Edit SLA")
    assert await sla_dialog_values(dialog) == ("60", "25")
    await expect(dialog.get_by_label("Clock")).to_contain_text(calendar_name)
    await expect(dialog.get_by_label("Pause while Waiting")).to_be_checked()
    await expect(dialog.get_by_label("Count again from the reopening")).to_be_checked()
    await choose(page, dialog.get_by_label("Clock"), "Wall clock (24/7)")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_have_count(0)
    await expect(listed).to_contain_text("Wall clock")
    await expect(listed).not_to_contain_text(calendar_name)
    stored = await console.named("/api/sla/definitions", name)
    assert stored and stored["calendar_id"] is None
    kept = (stored["warning_share"], stored["critical_share"], stored["pause_while_waiting"])
    assert kept == (0.6, 0.25, True)

    await menu.get_by_role("link", name="Calendars").click()
    await row(page, calendar_name).get_by_role("button", name=f"Delete calendar {calendar_name}").click()
    await page.get_by_role("alertdialog").get_by_role("button", name="Delete").click()
    await expect(row(page, calendar_name)).to_have_count(0)
    await expect(page.locator(".page .problem-message")).to_have_count(0)
    assert await console.named("/api/sla/calendars", calendar_name) is None
    await console.admin.delete(f"/api/sla/definitions/{stored['id']}")
