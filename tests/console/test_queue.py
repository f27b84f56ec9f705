"""The ticket queue at /tickets (seed 10.3, flags 10.18): columns and their order, tabs with counts,
stacking filters and search kept in the URL, paging, bulk close and delete, department visibility,
the keyboard, and rows opening the ticket dialog.

Every test marks its tickets with a token of its own in the title and searches for it, so the
tickets other tests of the module made never change what it counts."""

from __future__ import annotations

import asyncio
import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import nats
from playwright.async_api import Locator, Page, expect

from helpdesk_common.contracts.tickets import TicketChangeData, TicketSnapshot, TicketUpdated
from tests.console.harness import Console, assert_accessible, screenshot, sign_in

SEES_ALL = ("tickets_enabled", "tickets_view_all_departments")
HEADERS = [
    "Ticket #",
    "Subject",
    "Contact",
    "Status",
    "Priority",
    "Last Contact",
    "SLA",
    "Updated",
    "Assigned To",
]


def token() -> str:
    return f"q{secrets.token_hex(4)}"


def rows(page: Page) -> Locator:
    return page.locator("#queue-rows tbody tr[data-index]")


def header_texts(page: Page) -> Locator:
    return page.locator("#queue-rows thead th")


async def tickets(console: Console, mark: str, count: int, **fields: Any) -> list[dict[str, Any]]:
    return [await console.ticket(f"{mark} ticket {index}", **fields) for index in range(count)]


async def set_status(console: Console, ticket: dict[str, Any], status: str) -> None:
    answer = await console.admin.patch(f"/api/tickets/{ticket['number']}", json={"status": status})
    assert answer.status_code == 200, answer.text


async def close(console: Console, ticket: dict[str, Any]) -> None:
    answer = await console.admin.post("/api/tickets/bulk-close", json={"numbers": [ticket["number"]]})
    assert answer.status_code == 200, answer.text


async def join(console: Console, department: dict[str, Any], username: str) -> None:
    """The harness's add_member reads a field departments no longer answer (`member_ids`)."""
    operators = (await console.admin.get("/api/operators", params={"search": username})).json()
    members = [member["id"] for member in department["members"]] + [operators[0]["id"]]
    answer = await console.admin.patch(
        f"/api/tickets/departments/{department['id']}", json={"member_ids": members}
    )
    assert answer.status_code == 200, answer.text


async def choose(page: Page, filter_name: str, option: str) -> None:
    await page.get_by_role("combobox", name=filter_name).click()
    await page.get_by_role("option", name=option, exact=True).click()


async def search(page: Page, text: str) -> None:
    await page.get_by_label("Search").fill(text)
    await page.get_by_label("Search").press("Enter")


def tab(page: Page, name: str) -> Locator:
    return page.get_by_role("tab", name=re.compile(rf"^{re.escape(name)}\b"))


async def test_the_nine_columns_the_states_and_accessibility(page: Page, console: Console) -> None:
    mark = token()
    await console.ticket(f"{mark} printer jam", priority="high", contact_email=f"{mark}@example.com")
    username = await console.operator(*SEES_ALL)
    await sign_in(page, console, username, at=f"/tickets?search={mark}")
    await expect(rows(page)).to_have_count(1)
    await expect(header_texts(page)).to_have_text(["", *HEADERS])
    row = rows(page).first
    await expect(row).to_contain_text(f"{mark} printer jam")
    await expect(row).to_contain_text(f"{mark}@example.com")
    await expect(row).to_contain_text("High")
    await expect(row).to_contain_text("Unassigned")
    await expect(tab(page, "Open")).to_have_attribute("aria-selected", "true")
    await assert_accessible(page, "ticket queue")
    await screenshot(page, "queue-open-tab")

    await search(page, f"{mark}-nothing-matches")
    await expect(page.get_by_role("status")).to_have_text("No tickets match these filters.")
    await screenshot(page, "queue-empty")


async def test_an_api_problem_is_shown_in_words(page: Page, console: Console) -> None:
    username = await console.operator(*SEES_ALL)
    await sign_in(page, console, username, at="/tickets?department_id=not-a-department")
    await expect(page.get_by_role("alert")).to_contain_text("department_id")
    await screenshot(page, "queue-problem")
    await page.get_by_role("button", name="Clear filters and search").click()
    await expect(page.get_by_role("alert")).to_have_count(0)
    await expect(page).to_have_url(f"{console.url}/tickets")


async def test_columns_reordered_by_dragging_stay_after_a_reload(page: Page, console: Console) -> None:
    mark = token()
    await console.ticket(f"{mark} reorder")
    username = await console.operator(*SEES_ALL)
    await sign_in(page, console, username, at=f"/tickets?search={mark}")
    await expect(rows(page)).to_have_count(1)
    priority = page.locator("#queue-rows thead th", has_text="Priority")
    subject = page.locator("#queue-rows thead th", has_text="Subject")
    await priority.drag_to(subject, target_position={"x": 5, "y": 5})
    moved = [
        "",
        "Ticket #",
        "Priority",
        "Subject",
        "Contact",
        "Status",
        "Last Contact",
        "SLA",
        "Updated",
        "Assigned To",
    ]
    await expect(header_texts(page)).to_have_text(moved)
    await page.reload()
    await expect(rows(page)).to_have_count(1)
    await expect(header_texts(page)).to_have_text(moved)
    await expect(rows(page).first.locator("td").nth(2)).to_have_text("Medium")
    await screenshot(page, "queue-columns-reordered")


async def test_tabs_count_for_the_current_filters_and_keep_them(page: Page, console: Console) -> None:
    mark = token()
    opened = await tickets(console, mark, 3, priority="high")
    await set_status(console, opened[1], "in_progress")
    await close(console, opened[2])
    await console.ticket(f"{mark} low one", priority="low")
    username = await console.operator(*SEES_ALL)
    await sign_in(page, console, username, at="/tickets")
    await search(page, mark)
    await expect(tab(page, "All")).to_have_accessible_name("All 4")
    await expect(tab(page, "Open")).to_have_accessible_name("Open 2")
    await expect(tab(page, "In Progress")).to_have_accessible_name("In Progress 1")
    await expect(tab(page, "Closed")).to_have_accessible_name("Closed 1")

    await choose(page, "Priority", "High")
    await expect(tab(page, "All")).to_have_accessible_name("All 3")
    await expect(tab(page, "Open")).to_have_accessible_name("Open 1")
    await expect(rows(page)).to_have_count(1)

    await tab(page, "In Progress").click()
    await expect(tab(page, "In Progress")).to_have_attribute("aria-selected", "true")
    await expect(rows(page)).to_have_count(1)
    await expect(rows(page).first).to_contain_text(opened[1]["number"])
    await expect(page.get_by_label("Search")).to_have_value(mark)
    await expect(page.get_by_role("combobox", name="Priority")).to_have_text("High")
    await expect(page).to_have_url(
        re.compile(
            rf"status=in_progress.*priority=high.*search={mark}|"
            rf"priority=high.*status=in_progress"
        )
    )
    await screenshot(page, "queue-in-progress-filtered")

    await page.reload()
    await expect(tab(page, "In Progress")).to_have_attribute("aria-selected", "true")
    await expect(page.get_by_label("Search")).to_have_value(mark)
    await expect(rows(page)).to_have_count(1)
    await page.go_back()
    await expect(tab(page, "Open")).to_have_attribute("aria-selected", "true")
    await expect(page.get_by_role("combobox", name="Priority")).to_have_text("High")
    await expect(page.get_by_label("Search")).to_have_value(mark)


async def test_filters_stack(page: Page, console: Console) -> None:
    mark = token()
    first = await console.department(f"Support {mark}")
    second = await console.department(f"Field {mark}")
    label = (
        await console.admin.post("/api/tickets/labels", json={"name": f"VIP {mark}", "color": "#dc2626"})
    ).json()
    kind = (await console.admin.post("/api/tickets/types", json={"name": f"Incident {mark}"})).json()
    await console.ticket(
        f"{mark} a-high-vip",
        department_id=first["id"],
        priority="high",
        label_ids=[label["id"]],
        type_id=kind["id"],
    )
    await console.ticket(f"{mark} a-high", department_id=first["id"], priority="high")
    await console.ticket(f"{mark} a-low", department_id=first["id"], priority="low")
    await console.ticket(f"{mark} b-high", department_id=second["id"], priority="high")
    username = await console.operator(*SEES_ALL)
    await sign_in(page, console, username, at=f"/tickets?search={mark}")
    await expect(rows(page)).to_have_count(4)

    await choose(page, "Department", f"Support {mark}")
    await expect(rows(page)).to_have_count(3)
    await choose(page, "Priority", "High")
    await expect(rows(page)).to_have_count(2)
    await choose(page, "Label", f"VIP {mark}")
    await expect(rows(page)).to_have_count(1)
    await expect(rows(page).first).to_contain_text(f"{mark} a-high-vip")
    await choose(page, "Label", "All")
    await choose(page, "Type", f"Incident {mark}")
    await expect(rows(page)).to_have_count(1)
    await choose(page, "Type", "All")
    await choose(page, "Assigned To", "Unassigned")
    await expect(rows(page)).to_have_count(2)
    await screenshot(page, "queue-filters-stacked")
    await choose(page, "Department", "All Departments")
    await expect(rows(page)).to_have_count(3)


async def test_search_sweeps_number_title_and_contact(page: Page, console: Console) -> None:
    mark = token()
    by_title = await console.ticket(f"{mark} keyboard broken")
    by_email = await console.ticket("Mouse broken", contact_email=f"{mark}.someone@example.com")
    await console.ticket("Unrelated")
    username = await console.operator(*SEES_ALL)
    await sign_in(page, console, username, at="/tickets")
    await search(page, mark)
    await expect(rows(page)).to_have_count(2)
    await search(page, f"{mark}.someone")
    await expect(rows(page)).to_have_count(1)
    await expect(rows(page).first).to_contain_text(by_email["number"])
    await search(page, by_title["number"])
    await expect(rows(page)).to_have_count(1)
    await expect(rows(page).first).to_contain_text(f"{mark} keyboard broken")
    # Typing alone searches too, after a short pause.
    await page.get_by_label("Search").fill(f"{mark} keyboard")
    await expect(page).to_have_url(re.compile(rf"search={mark}"))
    await expect(rows(page)).to_have_count(1)


async def test_closed_rows_are_dimmed_on_all(page: Page, console: Console) -> None:
    mark = token()
    kept, closed = await tickets(console, mark, 2)
    await close(console, closed)
    username = await console.operator(*SEES_ALL)
    await sign_in(page, console, username, at=f"/tickets?status=all&search={mark}")
    await expect(rows(page)).to_have_count(2)
    await expect(rows(page).filter(has_text=closed["number"])).to_have_class(re.compile(r"\bdimmed\b"))
    await expect(rows(page).filter(has_text=kept["number"])).not_to_have_class(re.compile(r"\bdimmed\b"))
    await assert_accessible(page, "queue, All tab with a closed row")
    await screenshot(page, "queue-all-closed-dimmed")
    await tab(page, "Closed").click()
    await expect(rows(page)).to_have_count(1)
    await expect(rows(page).first).not_to_have_class(re.compile(r"\bdimmed\b"))


async def test_next_and_previous_pages(page: Page, console: Console) -> None:
    mark = token()
    made = await tickets(console, mark, 53)
    username = await console.operator(*SEES_ALL)
    await sign_in(page, console, username, at=f"/tickets?search={mark}")
    await expect(rows(page)).to_have_count(50)
    await expect(page.get_by_role("button", name="Previous")).to_be_disabled()
    # Newest first: the first page starts with the last ticket made.
    await expect(rows(page).first).to_contain_text(made[-1]["number"])
    await page.get_by_role("button", name="Next").click()
    await expect(rows(page)).to_have_count(3)
    await expect(page.get_by_text("Page 2")).to_be_visible()
    await expect(rows(page).last).to_contain_text(made[0]["number"])
    await expect(page.get_by_role("button", name="Next")).to_be_disabled()
    await screenshot(page, "queue-page-2")
    await page.get_by_role("button", name="Previous").click()
    await expect(rows(page)).to_have_count(50)
    await expect(rows(page).first).to_contain_text(made[-1]["number"])


async def test_close_selected(page: Page, console: Console) -> None:
    mark = token()
    made = await tickets(console, mark, 3)
    username = await console.operator(*SEES_ALL, "tickets_edit")
    await sign_in(page, console, username, at=f"/tickets?search={mark}")
    await expect(rows(page)).to_have_count(3)
    for ticket in made[:2]:
        await rows(page).filter(has_text=ticket["number"]).get_by_role("checkbox").check()
    toolbar = page.get_by_role("toolbar", name="Selected tickets")
    await expect(toolbar).to_contain_text("2 selected")
    await expect(toolbar.get_by_role("button", name="Delete Selected")).to_have_count(0)
    await screenshot(page, "queue-bulk-selected")
    await toolbar.get_by_role("button", name="Close Selected").click()
    await expect(rows(page)).to_have_count(1)
    await expect(tab(page, "Closed")).to_have_accessible_name("Closed 2")
    await expect(toolbar).to_have_count(0)
    for ticket in made[:2]:
        answer = await console.admin.get(f"/api/tickets/{ticket['number']}")
        assert answer.json()["status"] == "closed"

    await rows(page).first.get_by_role("checkbox").check()
    await toolbar.get_by_role("button", name="Deselect All").click()
    await expect(toolbar).to_have_count(0)


async def test_delete_selected_is_a_confirmed_hard_delete(page: Page, console: Console) -> None:
    mark = token()
    gone, kept = await tickets(console, mark, 2)
    username = await console.operator(*SEES_ALL, "tickets_delete")
    await sign_in(page, console, username, at=f"/tickets?search={mark}")
    await rows(page).filter(has_text=gone["number"]).get_by_role("checkbox").check()
    await page.get_by_role("button", name="Delete Selected").click()
    confirmation = page.get_by_role("alertdialog")
    await expect(confirmation).to_contain_text("This is a hard delete")
    await expect(confirmation).to_contain_text("cannot be undone")
    await screenshot(page, "queue-delete-confirmation")
    await confirmation.get_by_role("button", name="Delete").click()
    await expect(rows(page)).to_have_count(1)
    await expect(rows(page).first).to_contain_text(kept["number"])
    assert (await console.admin.get(f"/api/tickets/{gone['number']}")).status_code == 404


async def test_without_view_all_departments_only_the_own_department_shows(
    page: Page, console: Console
) -> None:
    mark = token()
    own = await console.department(f"Own {mark}")
    other = await console.department(f"Other {mark}")
    mine = await console.ticket(f"{mark} mine", department_id=own["id"])
    theirs = await console.ticket(f"{mark} theirs", department_id=other["id"])
    username = await console.operator("tickets_enabled")
    await join(console, own, username)
    await sign_in(page, console, username, at=f"/tickets?status=all&search={mark}")
    await expect(rows(page)).to_have_count(1)
    await expect(rows(page).first).to_contain_text(mine["number"])
    await expect(tab(page, "All")).to_have_accessible_name("All 1")
    await page.get_by_role("combobox", name="Department").click()
    await expect(page.get_by_role("option", name=f"Other {mark}")).to_have_count(0)
    await page.keyboard.press("Escape")
    await page.goto(f"{console.url}/tickets?status=all&search={mark}&department_id={other['id']}")
    await expect(page.get_by_role("status")).to_have_text("No tickets match these filters.")
    await expect(page.get_by_text(theirs["number"])).to_have_count(0)
    await expect(page.get_by_role("button", name="New Ticket")).to_have_count(0)


async def test_keyboard_search_move_and_open(page: Page, console: Console) -> None:
    mark = token()
    made = await tickets(console, mark, 3)
    username = await console.operator(*SEES_ALL, "tickets_create")
    await sign_in(page, console, username, at="/tickets")
    await expect(page.get_by_role("button", name="New Ticket")).to_be_visible()
    await page.keyboard.press("/")
    await expect(page.get_by_label("Search")).to_be_focused()
    await page.keyboard.type(mark)
    await page.keyboard.press("Enter")
    await expect(rows(page)).to_have_count(3)
    await page.evaluate("() => document.activeElement.blur()")
    await page.keyboard.press("j")
    await expect(rows(page).nth(0)).to_be_focused()
    await page.keyboard.press("j")
    await page.keyboard.press("ArrowDown")
    await expect(rows(page).nth(2)).to_be_focused()
    await page.keyboard.press("k")
    await expect(rows(page).nth(1)).to_be_focused()
    await screenshot(page, "queue-keyboard-current-row")
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(re.compile(rf"/tickets/{made[1]['number']}\?search={mark}$"))


async def test_a_click_opens_the_ticket_and_closing_it_refreshes_the_rows(
    page: Page, console: Console
) -> None:
    mark = token()
    ticket = await console.ticket(f"{mark} before")
    username = await console.operator(*SEES_ALL, "tickets_create")
    await sign_in(page, console, username, at=f"/tickets?search={mark}")
    await rows(page).first.get_by_text(f"{mark} before").click()
    await expect(page).to_have_url(re.compile(rf"/tickets/{ticket['number']}\?search={mark}"))
    dialog = page.get_by_role("dialog")
    await expect(dialog).to_contain_text(ticket["number"])
    renamed = await console.admin.patch(f"/api/tickets/{ticket['number']}", json={"title": f"{mark} after"})
    assert renamed.status_code == 200, renamed.text
    await page.keyboard.press("Escape")
    await expect(page).to_have_url(re.compile(rf"/tickets\?search={mark}$"))
    await expect(rows(page).first).to_contain_text(f"{mark} after")

    await page.get_by_role("button", name="New Ticket").click()
    await expect(page).to_have_url(re.compile(rf"/tickets/new\?search={mark}$"))


async def test_a_column_moves_with_the_keyboard_alone(page: Page, console: Console) -> None:
    mark = token()
    await console.ticket(f"{mark} keyboard reorder")
    username = await console.operator(*SEES_ALL)
    await sign_in(page, console, username, at=f"/tickets?search={mark}")
    await expect(rows(page)).to_have_count(1)
    await page.locator("#queue-rows thead th", has_text="Assigned To").focus()
    for _ in range(8):
        await page.keyboard.press("Alt+ArrowLeft")
    await expect(header_texts(page)).to_have_text(["", "Assigned To", *HEADERS[:-1]])
    await expect(page.locator("#queue-rows thead th", has_text="Assigned To")).to_be_focused()
    await page.keyboard.press("Alt+ArrowRight")
    await expect(header_texts(page)).to_have_text(["", "Ticket #", "Assigned To", *HEADERS[1:-1]])
    await page.reload()
    await expect(header_texts(page)).to_have_text(["", "Ticket #", "Assigned To", *HEADERS[1:-1]])


async def test_the_background_refresh_keeps_the_selection_and_the_scroll(
    page: Page, console: Console
) -> None:
    mark = token()
    made = await tickets(console, mark, 52)
    username = await console.operator(*SEES_ALL)
    # Playwright's clock: the page's 60 s timer is run on demand instead of waited for.
    await page.clock.install()
    await sign_in(page, console, username, at=f"/tickets?search={mark}")
    await expect(rows(page)).to_have_count(50)
    chosen = [made[-1]["number"], made[-2]["number"]]
    for number in chosen:
        await rows(page).filter(has_text=number).get_by_role("checkbox").check()
    await page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    scrolled = await page.evaluate("() => window.scrollY")
    assert scrolled > 0

    arrived = await console.ticket(f"{mark} arrived meanwhile")
    await page.clock.run_for(60_000)
    await expect(rows(page).first).to_contain_text(arrived["number"])
    await expect(page.get_by_role("toolbar", name="Selected tickets")).to_contain_text("2 selected")
    for number in chosen:
        await expect(rows(page).filter(has_text=number).get_by_role("checkbox")).to_be_checked()
    assert await page.evaluate("() => window.scrollY") == scrolled


async def test_the_sla_chip_shows_a_pause_and_a_promise_met(page: Page, console: Console) -> None:
    """The engine's word on the chip (issue 18): a ticket waiting under an SLA that pauses then, and a
    ticket resolved in time, through the real engine and ticketing."""
    mark = token()
    sla = await console.admin.post(
        "/api/sla/definitions",
        json={
            "name": f"Patient {mark}",
            "response_hours": 4,
            "resolution_hours": 8,
            "pause_while_waiting": True,
        },
    )
    assert sla.status_code == 201, sla.text

    async def customer_with_sla() -> dict[str, Any] | None:
        answer = await console.admin.post(
            "/api/tickets/customers", json={"company_name": f"Initech {mark}", "sla_id": sla.json()["id"]}
        )
        return answer.json() if answer.status_code == 201 else None

    customer = await _eventually_value(customer_with_sla, "the SLA to reach ticketing")
    contact = await console.admin.post(
        "/api/tickets/contacts", json={"email": f"{mark}@initech.example", "customer_id": customer["id"]}
    )
    assert contact.status_code == 201, contact.text
    waiting = await console.ticket(f"{mark} waits for the customer", contact_id=contact.json()["id"])
    resolved = await console.ticket(f"{mark} fixed at once", contact_id=contact.json()["id"])
    for ticket in (waiting, resolved):
        await _eventually_value(lambda t=ticket: _deadline_of(console, t), "the engine's deadlines")
    await set_status(console, waiting, "waiting")
    await set_status(console, resolved, "resolved")

    username = await console.operator(*SEES_ALL)
    await sign_in(page, console, username, at=f"/tickets?status=all&search={mark}")
    await expect(rows(page)).to_have_count(2)
    # The engine publishes the pause and the outcome moments after the change; the queue's own
    # refresh (or a reload) shows them.
    for _ in range(20):
        texts = await rows(page).all_inner_texts()
        if any("Paused" in t for t in texts) and any("Met" in t for t in texts):
            break
        await page.wait_for_timeout(500)
        await page.reload()
    await expect(rows(page).filter(has_text=waiting["number"]).locator(".sla-paused")).to_have_text("Paused")
    await expect(rows(page).filter(has_text=resolved["number"]).locator(".sla-met")).to_have_text("Met")
    await assert_accessible(page, "queue with paused and met SLA chips")
    await screenshot(page, "queue-sla-paused-and-met")


async def _deadline_of(console: Console, ticket: dict[str, Any]) -> str | None:
    detail = (await console.admin.get(f"/api/tickets/{ticket['number']}")).json()
    return detail["sla"]["resolution_due_at"]


async def _eventually_value(probe: Any, what: str, within: float = 60.0) -> Any:
    for _ in range(int(within / 0.5)):
        value = await probe()
        if value:
            return value
        await asyncio.sleep(0.5)
    raise AssertionError(f"timed out after {within:.0f}s waiting for {what}")


async def test_a_ticket_resolved_after_its_deadline_shows_breached(page: Page, console: Console) -> None:
    """An SLA's hours cannot pass within a test, so the engine hears of a ticket that is already late:
    the event ticketing publishes when an SLA reaches a resolved ticket (its customer's SLA changed),
    its creation three hours back, published on the stack's bus as ticketing's relay would."""
    mark = token()
    sla = await console.admin.post(
        "/api/sla/definitions", json={"name": f"Hour {mark}", "resolution_hours": 1}
    )
    assert sla.status_code == 201, sla.text
    ticket = await console.ticket(f"{mark} fixed too late")
    await set_status(console, ticket, "resolved")
    resolved = (await console.admin.get(f"/api/tickets/{ticket['number']}")).json()
    now = datetime.now(UTC)
    snapshot = TicketSnapshot.model_validate(
        {
            **resolved,
            "department_id": None,
            "sla_id": sla.json()["id"],
            "created_at": now - timedelta(hours=3),
            "updated_at": now,
        }
    )
    data = TicketChangeData.model_validate(
        {"ticket": snapshot, "changes": {"sla_id": {"old": None, "new": sla.json()["id"]}}}
    )
    event = TicketUpdated.build(source="ticketing", subject=str(snapshot.id), data=data)
    client = await nats.connect(console.stack.environments["sla-engine"]["HELPDESK_NATS_URL"])
    try:
        await client.jetstream().publish(
            event.bus_subject(), event.to_json(), headers={"Nats-Msg-Id": str(event.id)}
        )
    finally:
        await client.close()

    async def outcome() -> str | None:
        detail = (await console.admin.get(f"/api/tickets/{ticket['number']}")).json()
        return detail["sla"]["resolution_outcome"]

    assert await _eventually_value(outcome, "the engine's outcome on the ticket") == "breached"
    username = await console.operator(*SEES_ALL)
    await sign_in(page, console, username, at=f"/tickets?status=all&search={mark}")
    await expect(rows(page).filter(has_text=ticket["number"]).locator(".sla-breached")).to_have_text(
        "Breached"
    )
    await screenshot(page, "queue-sla-resolved-breached")
