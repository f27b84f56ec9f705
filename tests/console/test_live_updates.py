"""Live updates in the console (issue 17, 5 and 6), driven by the notifier's stream through the real
gateway: a toast for a new ticket and for a customer's reply on the queue, which shows the new row
without waiting for its 60-second refresh; the unread badge on the Tickets menu until the ticket is
opened; and on the ticket dialog, the other operator viewing, then replying, then gone."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import nats
from playwright.async_api import Browser, Page, expect

from helpdesk_common.contracts.tickets import (
    CommentAdded,
    CommentAddedData,
    CommentDirection,
    CommentSnapshot,
    TicketSnapshot,
)
from tests.console.harness import Console, assert_accessible, screenshot, sign_in

SEES_ALL = ("tickets_enabled", "tickets_view_all_departments", "tickets_edit")
# An operator of one department hears of nothing the session's other modules do on the shared stack.
WORKS_ONE_DEPARTMENT = ("tickets_enabled", "tickets_edit")


async def _customer_writes(console: Console, ticket: dict[str, Any], text: str) -> None:
    """The event ticketing publishes when the mail gateway brings in a customer's answer (the mail
    path itself is tested in test_conversation.py and the journeys)."""
    snapshot = TicketSnapshot.model_validate({**ticket, "department_id": ticket["department"]["id"]})
    comment = CommentSnapshot(
        id=uuid.uuid4(),
        direction=CommentDirection.INBOUND,
        author_id=None,
        author_name="Wile E. Coyote",
        body_text=text,
        body_html=f"<p>{text}</p>",
        created_at=datetime.now(UTC),
    )
    event = CommentAdded.build(
        source="ticketing", subject=str(snapshot.id), data=CommentAddedData(ticket=snapshot, comment=comment)
    )
    client = await nats.connect(console.stack.environments["notifier"]["HELPDESK_NATS_URL"])
    try:
        await client.jetstream().publish(
            event.bus_subject(), event.to_json(), headers={"Nats-Msg-Id": str(event.id)}
        )
    finally:
        await client.close()


async def test_a_new_ticket_and_a_reply_toast_on_the_queue_and_stay_unread_until_opened(
    page: Page, console: Console
) -> None:
    department = await console.department()
    username = await console.operator(*WORKS_ONE_DEPARTMENT, departments=[department["id"]])
    await sign_in(page, console, username, at="/tickets")
    await expect(page.locator("[data-live=connected]")).to_have_count(1)
    badge = page.get_by_test_id("unread-badge")
    await expect(badge).to_have_count(0)

    ticket = await console.ticket("Coffee machine leaks", department_id=department["id"])
    await expect(page.get_by_text(f"New ticket {ticket['number']}")).to_be_visible()
    await expect(badge).to_have_text("1")
    await expect(badge).to_have_attribute("aria-label", "1 unread")
    await expect(page.locator("#queue-rows")).to_contain_text("Coffee machine leaks")
    await screenshot(page, "live-new-ticket-toast")

    await _customer_writes(console, ticket, "It is flooding the kitchen now")
    await expect(page.get_by_text(f"Reply on {ticket['number']}")).to_be_visible()
    await expect(page.get_by_text("Wile E. Coyote: It is flooding the kitchen now")).to_be_visible()
    await assert_accessible(page, "queue with live toasts")

    await page.locator("#queue-rows").get_by_text("Coffee machine leaks").click()
    await expect(page.get_by_role("dialog")).to_be_visible()
    await expect(badge).to_have_count(0)


async def test_the_ticket_dialog_shows_who_else_views_and_replies(
    page: Page, console: Console, browser: Browser
) -> None:
    ticket = await console.ticket("Two operators, one customer")
    ada = await console.operator(*SEES_ALL)
    grace = await console.operator(*SEES_ALL)
    await sign_in(page, console, ada, at=f"/tickets/{ticket['number']}")
    await expect(page.get_by_role("dialog")).to_be_visible()
    await expect(page.locator("[data-live=connected]")).to_have_count(1)

    context = await browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB")
    try:
        other = await context.new_page()
        await sign_in(other, console, grace, at=f"/tickets/{ticket['number']}")
        await expect(page.get_by_text(f"{grace} is viewing")).to_be_visible()
        # Grace sees Ada too.
        await expect(other.get_by_text(f"{ada} is viewing")).to_be_visible()

        await other.locator("#composer-body").click()
        await other.keyboard.type("I will call them back.")
        await expect(page.get_by_text(f"{grace} is replying")).to_be_visible()
        await assert_accessible(page, "ticket dialog with another operator replying")
        await screenshot(page, "live-presence-replying")

        await other.keyboard.press("Escape")
        await expect(other.get_by_role("dialog")).to_have_count(0)
        await expect(page.get_by_text(f"{grace} is")).to_have_count(0)
    finally:
        await context.close()
