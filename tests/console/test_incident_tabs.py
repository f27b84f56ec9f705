"""The incident detail's Notes, Time and CSAT tabs (issue 20 part 10) against the real ITSM service and
time tracker: a note is edited or deleted only by its author or an ITSM administrator; the Time tab's
totals split billable from non-billable time, its form only for incidents.manage; the CSAT tab's
summary cards, history and a form only once resolved, a second rating updating the first. Each tab's
loading, empty and error states, the error provoked by answering the browser's one read with a 500
(Playwright's route, which mocks the browser's view of the network, not our servers) and left by
"Try again"."""

from __future__ import annotations

import secrets

from playwright.async_api import Page, expect

from tests.console.harness import Console, assert_accessible, screenshot, sign_in
from tests.console.itsm_harness import (
    ADMIN,
    MANAGE,
    VIEW,
    fail_once,
    hold_once,
    incident,
    known_to_time_tracker,
)


async def test_a_note_is_changed_only_by_its_author_or_an_itsm_administrator(
    page: Page, console: Console
) -> None:
    made = await incident(console.admin, f"Mail relay slow {secrets.token_hex(3)}")
    colleague = await console.operator(MANAGE)
    async with await console.stack.bearer(colleague) as theirs:
        written = await theirs.post(
            f"/api/itsm/incidents/{made['id']}/notes", json={"body": "Queue at 4000 messages"}
        )
        assert written.status_code == 201, written.text
        # The API refuses what the page does not offer.
        mine = await console.admin.post(
            f"/api/itsm/incidents/{made['id']}/notes", json={"body": "Admin note"}
        )
        refused = await theirs.put(
            f"/api/itsm/incidents/{made['id']}/notes/{mine.json()['id']}", json={"body": "changed"}
        )
        assert refused.status_code == 403, refused.text

    manager = await console.operator(MANAGE)
    await sign_in(page, console, manager, at=f"/incidents/{made['id']}?tab=notes")
    notes = page.get_by_role("list", name="Notes on this incident")
    await expect(notes.get_by_role("listitem")).to_have_count(2)
    form = page.get_by_role("form", name="Add a note")
    await form.get_by_label("New note").fill("Restarted the relay")
    await form.get_by_role("button", name="Add note").click()
    await expect(notes.get_by_role("listitem")).to_have_count(3)
    theirs_item = notes.get_by_role("listitem", name=f"Note by {colleague}")
    mine_item = notes.get_by_role("listitem", name=f"Note by {manager}")
    await expect(theirs_item).to_contain_text("Queue at 4000 messages")
    await expect(theirs_item.get_by_role("button")).to_have_count(0)
    await expect(mine_item.get_by_role("button")).to_have_count(2)
    await assert_accessible(page, "notes tab")
    await screenshot(page, "incident-notes-own-and-others")

    await mine_item.get_by_role("button", name=f"Edit note by {manager}").click()
    await mine_item.get_by_role("textbox", name="Note", exact=True).fill("Restarted the relay twice")
    await mine_item.get_by_role("button", name="Save note").click()
    await expect(mine_item).to_contain_text("Restarted the relay twice")
    await expect(mine_item).to_contain_text("edited")
    await mine_item.get_by_role("button", name=f"Delete note by {manager}").click()
    await page.get_by_role("alertdialog").get_by_role("button", name="Delete").click()
    await expect(notes.get_by_role("listitem")).to_have_count(2)

    await page.get_by_role("button", name="Sign out").click()
    administrator = await console.operator(MANAGE, ADMIN)
    await sign_in(page, console, administrator, at=f"/incidents/{made['id']}?tab=notes")
    await expect(
        notes.get_by_role("listitem", name=f"Note by {colleague}").get_by_role("button")
    ).to_have_count(2)


async def test_the_notes_tab_says_when_it_cannot_read_and_reads_again(page: Page, console: Console) -> None:
    made = await incident(console.admin, f"Notes unreadable {secrets.token_hex(3)}")
    viewer = await console.operator(VIEW)
    await sign_in(page, console, viewer, at=f"/incidents/{made['id']}")
    await fail_once(page, f"**/api/itsm/incidents/{made['id']}/notes")
    await page.get_by_role("tab", name="Notes").click()
    error = page.get_by_role("alert").filter(has_text="Could not read the notes.")
    await expect(error).to_contain_text("Something broke.")
    await error.get_by_role("button", name="Try again").click()
    await expect(page.get_by_text("No notes on this incident yet.")).to_be_visible()
    await expect(error).to_have_count(0)


async def test_the_time_tab_totals_billable_and_non_billable_and_books_only_for_managers(
    page: Page, console: Console
) -> None:
    made = await incident(console.admin, f"Backup job failing {secrets.token_hex(3)}")
    await known_to_time_tracker(console, made["id"])
    manager = await console.operator(MANAGE)
    await sign_in(page, console, manager, at=f"/incidents/{made['id']}")
    released = await hold_once(page, f"**/api/time/incidents/{made['id']}/entries*")
    await page.get_by_role("tab", name="Time", exact=True).click()
    tab = page.get_by_role("region", name="Time")
    await expect(tab.get_by_text("Loading the time booked…")).to_be_visible()
    released.set()
    await expect(tab.get_by_text("No time booked on this incident yet.")).to_be_visible()
    await expect(tab.get_by_test_id("time-total")).to_have_text("0 min")

    await tab.get_by_role("button", name="Add Entry").click()
    form = tab.get_by_role("form", name="Add a time entry")
    await form.get_by_label("Start Time").fill("09:00")
    await form.get_by_label("End Time").fill("09:30")
    await form.get_by_label("Notes").fill("Read the job's logs")
    await form.get_by_role("button", name="Add entry").click()
    entries = tab.get_by_role("table", name="Time entries").locator("tbody tr")
    await expect(entries).to_have_count(1)
    await form.get_by_label("Start Time").fill("10:00")
    await form.get_by_label("End Time").fill("10:15")
    await form.get_by_label("Billable").uncheck()
    await form.get_by_role("button", name="Add entry").click()
    await expect(entries).to_have_count(2)
    await expect(tab.get_by_test_id("time-total")).to_have_text("45 min")
    await expect(tab.get_by_test_id("time-billable")).to_have_text("30 min")
    await expect(tab.get_by_test_id("time-non-billable")).to_have_text("15 min")
    await expect(entries.nth(1)).to_contain_text("Non-billable")
    await assert_accessible(page, "time tab")
    await screenshot(page, "incident-time-tab")

    await page.get_by_role("button", name="Sign out").click()
    viewer = await console.operator(VIEW)
    await sign_in(page, console, viewer, at=f"/incidents/{made['id']}")
    await fail_once(page, f"**/api/time/incidents/{made['id']}/entries*")
    await page.get_by_role("tab", name="Time", exact=True).click()
    error = tab.get_by_role("alert").filter(has_text="Could not read the time booked.")
    await expect(error).to_be_visible()
    await assert_accessible(page, "time tab error")
    await screenshot(page, "incident-time-tab-error")
    await error.get_by_role("button", name="Try again").click()
    await expect(tab.get_by_test_id("time-total")).to_have_text("45 min")
    await expect(tab.get_by_role("button", name="Add Entry")).to_have_count(0)
    await expect(
        tab.get_by_text("Booking time on an incident takes the incidents.manage permission.")
    ).to_be_visible()
    await expect(entries.get_by_role("button")).to_have_count(0)


async def test_the_csat_tab_opens_on_resolution_and_a_second_rating_updates_the_first(
    page: Page, console: Console
) -> None:
    made = await incident(console.admin, f"Laptop will not boot {secrets.token_hex(3)}")
    viewer = await console.operator(VIEW)
    await sign_in(page, console, viewer, at=f"/incidents/{made['id']}")
    await fail_once(page, f"**/api/itsm/incidents/{made['id']}/csat")
    await page.get_by_role("tab", name="CSAT").click()
    tab = page.get_by_role("region", name="Customer satisfaction")
    error = tab.get_by_role("alert").filter(has_text="Could not read the feedback.")
    await expect(error).to_contain_text("Something broke.")
    await assert_accessible(page, "csat tab error")
    await screenshot(page, "incident-csat-error")
    released = await hold_once(page, f"**/api/itsm/incidents/{made['id']}/csat")
    await error.get_by_role("button", name="Try again").click()
    await expect(error.get_by_role("button", name="Try again")).to_be_disabled()
    released.set()
    await expect(error).to_have_count(0)
    await expect(tab.get_by_test_id("csat-average")).to_have_text("—")
    await expect(tab.get_by_test_id("csat-count")).to_have_text("0")
    await expect(tab.get_by_text("No feedback on this incident yet.")).to_be_visible()
    await expect(tab.get_by_role("form", name="Your feedback")).to_have_count(0)
    await expect(
        tab.get_by_text("Feedback can be given once the incident is resolved or closed.")
    ).to_be_visible()

    resolved = await console.admin.post(
        f"/api/itsm/incidents/{made['id']}/resolve",
        json={"resolution_code": "resolved", "resolution_notes": "New disk"},
    )
    assert resolved.status_code == 200, resolved.text
    await page.reload()
    form = tab.get_by_role("form", name="Your feedback")
    await form.get_by_role("button", name="Submit rating").click()
    await expect(form.locator("#csat-rating-error")).not_to_be_empty()
    await form.get_by_label("Happy (4)").check()
    await form.get_by_label("Comment").fill("Quick and friendly")
    await form.get_by_role("button", name="Submit rating").click()
    await expect(tab.get_by_test_id("csat-average")).to_have_text("4.0 / 5")
    await expect(tab.get_by_test_id("csat-count")).to_have_text("1")
    responses = tab.get_by_role("table", name="CSAT responses").locator("tbody tr")
    await expect(responses).to_have_count(1)
    await expect(responses.first).to_contain_text("Happy (4)")
    await expect(form.get_by_role("button", name="Update my rating")).to_be_visible()
    await assert_accessible(page, "csat tab")
    await screenshot(page, "incident-csat-rated")

    await form.get_by_label("Unhappy (2)").check()
    await form.get_by_role("button", name="Update my rating").click()
    await expect(tab.get_by_test_id("csat-average")).to_have_text("2.0 / 5")
    await expect(tab.get_by_test_id("csat-count")).to_have_text("1")
    await expect(responses).to_have_count(1)
    breakdown = tab.get_by_role("list", name="Responses per rating").get_by_role("listitem")
    await expect(breakdown).to_have_text(
        ["5 (Very happy)0", "4 (Happy)0", "3 (Neutral)0", "2 (Unhappy)1", "1 (Very unhappy)0"]
    )
