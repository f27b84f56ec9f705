"""The ticket dialog's Details and History tabs and the New Ticket dialog (10.4 to 10.7, 10.18).

The operators here hold tickets_view_all_departments rather than a department membership."""

from __future__ import annotations

import re
import secrets
from typing import Any

from playwright.async_api import Locator, Page, expect

from tests.console.harness import Console, assert_accessible, screenshot, sign_in

SEE_ALL = "tickets_view_all_departments"


async def choose(page: Page, field: str, option: str) -> None:
    """Picks `option` in the PrimeVue dropdown labelled `field` in the open dialog (the queue's own
    filters stay in the page behind it)."""
    await page.get_by_role("dialog").get_by_role("combobox", name=field, exact=True).click()
    await page.get_by_role("option", name=option, exact=True).click()


async def open_tab(page: Page, console: Console, number: str, tab: str) -> Locator:
    await page.goto(f"{console.url}/tickets/{number}?tab={tab}")
    dialog = page.get_by_role("dialog")
    await expect(dialog.get_by_role("tab", name=tab.capitalize())).to_have_attribute("aria-selected", "true")
    return dialog


async def ticket(console: Console, number: str) -> dict[str, Any]:
    answer = await console.admin.get(f"/api/tickets/{number}")
    assert answer.status_code == 200, answer.text
    return answer.json()


async def comments(console: Console, number: str) -> list[dict[str, Any]]:
    answer = await console.admin.get(f"/api/tickets/{number}/comments")
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_new_ticket_needs_a_title_keeps_its_draft_and_creates_the_ticket_with_its_description(
    page: Page, console: Console
) -> None:
    department = await console.department()
    template = await console.admin.post(
        "/api/tickets/templates",
        json={
            "name": f"Printer {secrets.token_hex(2)}",
            "type": "ticket",
            "subject": "Printer does not print",
            "body": "<p>Which printer, and since when?</p>",
        },
    )
    assert template.status_code == 201, template.text
    user = await console.operator("tickets_enabled", "tickets_create", "tickets_edit", SEE_ALL)
    await sign_in(page, console, user, at="/tickets/new")
    dialog = page.get_by_role("dialog", name="New ticket")
    await expect(dialog.get_by_role("combobox", name="Priority")).to_contain_text("Medium")
    await assert_accessible(page, "new ticket")
    await screenshot(page, "new-ticket-empty")

    await dialog.get_by_role("button", name="Create ticket").click()
    await expect(dialog.locator("#new-ticket-title-error")).to_have_text("Title is required")
    await screenshot(page, "new-ticket-title-required")

    await dialog.get_by_role("button", name="Template").click()
    await page.get_by_role("option", name=re.compile(template.json()["name"])).click()
    await expect(dialog.get_by_label("Title")).to_have_value("Printer does not print")
    await expect(dialog.get_by_role("textbox", name="Description")).to_contain_text("Which printer")
    await dialog.get_by_label("Title").fill("Printer on the third floor does not print")
    await expect(dialog.locator("#new-ticket-title-error")).to_be_empty()
    await choose(page, "Department", department["name"])
    await choose(page, "Priority", "High")
    await dialog.get_by_label("Contact").fill("someone@example.com")
    await screenshot(page, "new-ticket-filled")

    await page.reload()
    dialog = page.get_by_role("dialog", name="New ticket")
    await expect(dialog.get_by_label("Title")).to_have_value("Printer on the third floor does not print")
    await expect(dialog.get_by_role("combobox", name="Priority")).to_contain_text("High")
    await expect(dialog.get_by_role("textbox", name="Description")).to_contain_text("Which printer")

    await dialog.get_by_role("button", name="Create ticket").click()
    await expect(page).to_have_url(re.compile(r"/tickets/TKT-\d+$"))
    number = page.url.rsplit("/", 1)[1]
    await expect(page.get_by_role("dialog").locator("#ticket-dialog-title")).to_contain_text(
        "Printer on the third floor"
    )
    created = await ticket(console, number)
    assert (created["priority"], created["department"]["id"]) == ("high", department["id"])
    assert created["contact"]["email"] == "someone@example.com"
    opening = await comments(console, number)
    assert [(c["direction"], "Which printer" in c["body_text"]) for c in opening] == [("outbound", True)]

    await page.goto(f"{console.url}/tickets/new")
    await expect(page.get_by_role("dialog", name="New ticket").get_by_label("Title")).to_have_value("")
    await page.get_by_role("dialog", name="New ticket").get_by_role("button", name="Cancel").click()
    await expect(page).to_have_url(f"{console.url}/tickets")


async def test_status_goes_from_closed_to_open_and_history_shows_old_and_new(
    page: Page, console: Console
) -> None:
    department = await console.department()
    made = await console.ticket("VPN drops every hour", department_id=department["id"])
    closed = await console.admin.post(f"/api/tickets/{made['number']}/close", json={})
    assert closed.status_code == 200, closed.text
    user = await console.operator("tickets_enabled", "tickets_edit", SEE_ALL)
    await sign_in(page, console, user)
    dialog = await open_tab(page, console, made["number"], "details")
    await expect(dialog.get_by_role("combobox", name="Status")).to_contain_text("Closed")
    await expect(dialog.get_by_text("Source: Manual")).to_be_visible()
    await assert_accessible(page, "ticket details")
    await screenshot(page, "ticket-details")

    await dialog.get_by_label("Title").fill("x" * 501)
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog.locator("#details-title-error")).not_to_be_empty()
    await expect(dialog.get_by_label("Title")).to_have_value("x" * 501)
    await screenshot(page, "ticket-details-title-too-long")
    await dialog.get_by_role("button", name="Discard changes").click()

    await choose(page, "Status", "Open")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog.locator("#ticket-dialog-title")).to_contain_text("Open")
    assert (await ticket(console, made["number"]))["status"] == "open"

    await dialog.get_by_role("tab", name="History").click()
    row = dialog.get_by_role("row").filter(has_text="Status").last
    await expect(row.get_by_role("cell")).to_have_text([user, re.compile(r"\d"), "Status", "Closed", "Open"])
    await assert_accessible(page, "ticket history")
    await screenshot(page, "ticket-history")


async def test_close_ticket_keeps_the_closing_comment_as_an_internal_note_and_reopening_is_a_status_change(
    page: Page, console: Console
) -> None:
    department = await console.department()
    made = await console.ticket("Mailbox full", department_id=department["id"])
    user = await console.operator("tickets_enabled", "tickets_edit", SEE_ALL)
    await sign_in(page, console, user)
    dialog = await open_tab(page, console, made["number"], "details")
    await dialog.get_by_role("button", name="Close Ticket").click()
    confirmation = page.get_by_role("dialog", name=f"Close ticket {made['number']}")
    await confirmation.get_by_label("Closing comment (optional)").fill("Archived old mail; 40% free now.")
    await assert_accessible(page, "close ticket")
    await screenshot(page, "ticket-close-confirmation")
    await confirmation.get_by_role("button", name="Close ticket").click()
    await expect(confirmation).to_be_hidden()
    await expect(dialog.get_by_role("combobox", name="Status")).to_contain_text("Closed")
    await expect(dialog.get_by_role("button", name="Close Ticket")).to_be_disabled()
    notes = await comments(console, made["number"])
    assert [(c["direction"], c["body_text"]) for c in notes] == [
        ("internal", "Archived old mail; 40% free now.")
    ]

    await choose(page, "Status", "In Progress")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog.locator("#ticket-dialog-title")).to_contain_text("In Progress")
    assert (await ticket(console, made["number"]))["status"] == "in_progress"


async def test_an_assign_only_operator_may_change_the_assignee_and_nothing_else(
    page: Page, console: Console
) -> None:
    department = await console.department()
    made = await console.ticket("New laptop for Sam", department_id=department["id"])
    target = await console.operator("tickets_enabled", SEE_ALL)
    user = await console.operator("tickets_enabled", "tickets_assign", SEE_ALL)
    await console.known_to_ticketing(target)
    await sign_in(page, console, user)
    dialog = await open_tab(page, console, made["number"], "details")
    await expect(dialog.get_by_label("Title")).to_be_disabled()
    for field in ("Status", "Priority", "Support Department", "Type", "Labels"):
        await expect(dialog.get_by_role("combobox", name=field, exact=True)).to_be_disabled()
    await expect(dialog.get_by_label("Contact Email")).to_be_disabled()
    await expect(dialog.get_by_role("button", name="Close Ticket")).to_have_count(0)
    await expect(dialog.get_by_role("button", name="Delete")).to_have_count(0)
    assignee = dialog.get_by_role("combobox", name="Assigned To Operator")
    await expect(assignee).to_be_enabled()
    await screenshot(page, "ticket-details-assign-only")

    await assignee.click()
    # Searched for in the directory, which answers the first hundred operators: a suite makes more.
    await page.locator(".p-select-overlay").get_by_role("searchbox").fill(target)
    await page.get_by_role("option", name=re.compile(target)).click()
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog.get_by_role("button", name="Save")).to_be_disabled()
    await expect(assignee).to_contain_text(target)
    assert (await ticket(console, made["number"]))["assignee"]["username"] == target


async def test_create_contact_from_an_unknown_email_links_it(page: Page, console: Console) -> None:
    department = await console.department()
    made = await console.ticket("Cannot sign in", department_id=department["id"])
    user = await console.operator("tickets_enabled", "tickets_edit", SEE_ALL)
    address = f"ada.{secrets.token_hex(3)}@example.com"
    await sign_in(page, console, user)
    dialog = await open_tab(page, console, made["number"], "details")
    await dialog.get_by_label("Contact Email").fill(address)
    await dialog.get_by_role("button", name="Create Contact").click()
    creating = page.get_by_role("dialog", name="Create contact")
    await expect(creating.get_by_label("Email")).to_have_value(address)
    await creating.get_by_label("First name").fill("Ada")
    await creating.get_by_label("Last name").fill("Lovelace")
    await assert_accessible(page, "create contact")
    await screenshot(page, "ticket-create-contact")
    await creating.get_by_role("button", name="Create and link").click()
    await expect(dialog.get_by_label("Contact Name")).to_have_value("Ada Lovelace")
    await expect(dialog.get_by_role("button", name="Create Contact")).to_have_count(0)
    linked = (await ticket(console, made["number"]))["contact"]
    assert (linked["email"], linked["name"]) == (address, "Ada Lovelace")
    assert linked["id"]

    await dialog.get_by_label("Contact Email").fill("not an address")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog.locator("#details-contact-email-error")).not_to_be_empty()


async def test_a_contact_known_only_by_email_gets_its_name_on_the_ticket(
    page: Page, console: Console
) -> None:
    department = await console.department()
    address = f"sender.{secrets.token_hex(3)}@example.com"
    made = await console.ticket("Printer offline", department_id=department["id"], contact_email=address)
    user = await console.operator("tickets_enabled", "tickets_edit", SEE_ALL)
    await sign_in(page, console, user)
    dialog = await open_tab(page, console, made["number"], "details")
    name = dialog.get_by_label("Contact Name")
    await expect(name).to_be_editable()
    await name.fill("Grace Hopper")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog.get_by_role("button", name="Save")).to_be_disabled()
    assert (await ticket(console, made["number"]))["contact"]["name"] == "Grace Hopper"
    await page.reload()
    await expect(page.get_by_role("dialog").get_by_label("Contact Name")).to_have_value("Grace Hopper")
    await assert_accessible(page, "ticket details with a contact name")


async def test_labels_are_a_multi_select_with_their_colours(page: Page, console: Console) -> None:
    department = await console.department()
    made = await console.ticket("Slow network", department_id=department["id"])
    names = [f"Network {secrets.token_hex(2)}", f"Urgent {secrets.token_hex(2)}"]
    for name, color in zip(names, ("#2563eb", "#dc2626"), strict=True):
        label = await console.admin.post("/api/tickets/labels", json={"name": name, "color": color})
        assert label.status_code == 201, label.text
    user = await console.operator("tickets_enabled", "tickets_edit", SEE_ALL)
    await sign_in(page, console, user)
    dialog = await open_tab(page, console, made["number"], "details")
    # The combobox is a visually hidden input; a person clicks the field around it.
    await dialog.locator(".p-multiselect").filter(has=page.locator("#details-labels")).click()
    for name in names:
        await page.get_by_role("option", name=name).click()
    await dialog.get_by_role("heading", name="Devices").click()
    await screenshot(page, "ticket-details-labels")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog.get_by_role("button", name="Save")).to_be_disabled()
    saved = (await ticket(console, made["number"]))["labels"]
    assert sorted(label["name"] for label in saved) == sorted(names)
    for name in names:
        await expect(dialog.get_by_text(name, exact=True)).to_be_visible()


async def test_delete_is_a_hard_delete_behind_a_confirmation_and_returns_to_the_queue(
    page: Page, console: Console
) -> None:
    department = await console.department()
    made = await console.ticket("Duplicate of another ticket", department_id=department["id"])
    user = await console.operator("tickets_enabled", "tickets_delete", SEE_ALL)
    await sign_in(page, console, user)
    dialog = await open_tab(page, console, made["number"], "details")
    await expect(dialog.get_by_label("Title")).to_be_disabled()
    await dialog.get_by_role("button", name="Delete").click()
    confirmation = page.get_by_role("alertdialog", name=f"Delete ticket {made['number']}")
    await expect(confirmation).to_contain_text("This is a hard delete")
    await assert_accessible(page, "delete confirmation")
    await screenshot(page, "ticket-delete-confirmation")
    await confirmation.get_by_role("button", name="Delete ticket").click()
    await expect(page).to_have_url(f"{console.url}/tickets")
    gone = await console.admin.get(f"/api/tickets/{made['number']}")
    assert gone.status_code == 404, gone.text
