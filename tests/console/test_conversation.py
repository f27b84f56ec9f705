"""The ticket dialog's Conversation and Attachments tabs (10.4): messages in both views with their
direction badges, the composer and its draft, files sent with a comment, the text viewer, the
Outbound choice only for those who may write to the customer, and an outbound reply's e-mail state."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.async_api import Locator, Page, expect

from helpdesk_common.testing.smtp_sink import SmtpSink
from tests.backbone.harness import eventually
from tests.console.harness import Console, assert_accessible, screenshot, sign_in

EDITOR = ("tickets_enabled", "tickets_edit")
# Markup inside a log file: the viewer must show these characters, not a bold word.
LOG_TEXT = "12:00:01 started\n12:00:02 <b>not bold</b> & <i>not italic</i>\n12:00:03 stopped\n"


async def _ticket_for(console: Console, *flags: str, **fields: Any) -> tuple[str, dict[str, Any]]:
    """An operator of a new department holding `flags`, and a ticket of that department."""
    department = await console.department()
    username = await console.operator(*flags, departments=[department["id"]])
    ticket = await console.ticket(
        "Printer on fire",
        department_id=department["id"],
        contact_email=f"{username}.customer@example.com",
        description={"body": "<p>The printer in room 4 smokes.</p>", "body_format": "html"},
        **fields,
    )
    return username, ticket


def _message(page: Page, direction: str) -> Locator:
    return page.get_by_role("log", name="Messages").get_by_role("article", name=direction)


async def _type(page: Page, text: str) -> None:
    await page.locator("#composer-body").click()
    await page.keyboard.type(text)


async def test_a_reply_and_a_note_show_with_their_badges_in_both_views(page: Page, console: Console) -> None:
    username, ticket = await _ticket_for(console, *EDITOR)
    await sign_in(page, console, username, at=f"/tickets/{ticket['number']}")
    await expect(_message(page, "Outbound from")).to_contain_text("The printer in room 4 smokes.")

    await page.get_by_role("group", name="Send as").get_by_text("Outbound").click()
    await expect(page.get_by_text(f"Sent by e-mail to {username}.customer@example.com")).to_be_visible()
    await _type(page, "We are sending someone with an extinguisher.")
    await page.get_by_role("button", name="Send", exact=True).click()
    await expect(_message(page, "Outbound from").last).to_contain_text("extinguisher")

    await page.get_by_role("group", name="Send as").get_by_text("Internal note").click()
    await _type(page, "Facilities say the printer is under warranty.")
    await page.get_by_role("button", name="Send", exact=True).click()
    note = _message(page, "Internal note from")
    await expect(note).to_contain_text("under warranty")
    await expect(note).to_contain_text(username)
    await expect(page.locator("#composer-body")).to_have_text("")
    await expect(page.get_by_text("3 messages")).to_be_visible()
    await expect(note).to_be_in_viewport()
    await assert_accessible(page, "conversation, chat view")
    await screenshot(page, "ticket-conversation-chat")

    await page.get_by_role("group", name="Conversation layout").get_by_text("List View").click()
    await expect(page.get_by_role("log", name="Messages")).to_have_class("messages list")
    await expect(_message(page, "Outbound from")).to_have_count(2)
    await expect(note).to_contain_text("under warranty")
    await assert_accessible(page, "conversation, list view")
    await screenshot(page, "ticket-conversation-list")


async def test_the_draft_survives_a_reload_and_an_error_keeps_the_text(page: Page, console: Console) -> None:
    username, ticket = await _ticket_for(console, *EDITOR)
    await sign_in(page, console, username, at=f"/tickets/{ticket['number']}")
    await page.get_by_role("group", name="Message: editor mode").get_by_text("Plain Text").click()
    await page.get_by_label("Message", exact=True).fill("Half-written answer\nsecond line")
    await page.get_by_role("group", name="Send as").get_by_text("Outbound").click()
    await page.reload()
    body = page.get_by_label("Message", exact=True)
    await expect(body).to_have_value("Half-written answer\nsecond line")
    await expect(
        page.get_by_role("group", name="Send as").get_by_role("button", name="Outbound")
    ).to_have_attribute("aria-pressed", "true")

    # The ticket goes away under the operator's feet: the answer is shown in words, the text stays.
    deleted = await console.admin.delete(f"/api/tickets/{ticket['number']}")
    assert deleted.status_code == 204, deleted.text
    await page.get_by_role("button", name="Send", exact=True).click()
    await expect(page.get_by_role("form", name="New comment").get_by_role("alert")).to_contain_text(
        ticket["number"]
    )
    await expect(body).to_have_value("Half-written answer\nsecond line")
    await screenshot(page, "ticket-conversation-send-refused")
    kept = await page.evaluate(f"() => localStorage.getItem('helpdesk.draft.{ticket['number']}')")
    assert "Half-written answer" in kept


async def test_a_log_attached_to_a_note_is_viewed_as_text_and_downloaded(
    page: Page, console: Console, tmp_path: Path
) -> None:
    username, ticket = await _ticket_for(console, *EDITOR)
    await sign_in(page, console, username, at=f"/tickets/{ticket['number']}")
    await _type(page, "The printer's log is attached.")
    await page.get_by_label("Files to attach to the comment").set_input_files(
        {"name": "printer.log", "mimeType": "text/plain", "buffer": LOG_TEXT.encode()}
    )
    await expect(page.get_by_role("list", name="Files to attach")).to_contain_text("printer.log")
    await screenshot(page, "ticket-conversation-file-chosen")
    await page.get_by_role("button", name="Send", exact=True).click()
    note = _message(page, "Internal note from")
    await expect(note).to_contain_text("log is attached")
    await expect(page.get_by_role("list", name="Files to attach")).to_have_count(0)
    # The file belongs to its comment: listed under the message, and so in the API.
    await expect(note.get_by_role("list", name="Attached files")).to_contain_text("printer.log")
    comments = (await console.admin.get(f"/api/tickets/{ticket['number']}/comments")).json()
    files = (await console.admin.get(f"/api/tickets/{ticket['number']}/attachments")).json()
    [sent] = [comment for comment in comments if "log is attached" in comment["body_text"]]
    assert [(f["name"], f["comment_id"], f["origin"]) for f in files] == [
        ("printer.log", sent["id"], "comment")
    ]

    await page.get_by_role("tab", name="Attachments").click()
    row = page.get_by_role("row").filter(has_text="printer.log")
    await expect(row).to_contain_text("text/plain")
    await expect(row).to_contain_text(f"{len(LOG_TEXT.encode())} bytes")
    await expect(row).to_contain_text(username)
    await assert_accessible(page, "attachments tab")
    await screenshot(page, "ticket-attachments")

    await row.get_by_role("button", name="View printer.log").click()
    viewer = page.get_by_role("dialog", name="printer.log")
    contents = viewer.get_by_label("Contents of printer.log")
    await expect(contents).to_contain_text("<b>not bold</b> & <i>not italic</i>")
    await expect(contents.locator("b, i")).to_have_count(0)
    await assert_accessible(page, "attachment viewer")
    await screenshot(page, "ticket-attachment-viewer")
    await viewer.get_by_role("button", name="Close").click()
    await expect(viewer).to_have_count(0)

    async with page.expect_download() as download:
        await row.get_by_role("link", name="Download printer.log").click()
    saved = tmp_path / "printer.log"
    await (await download.value).save_as(saved)
    assert saved.read_text() == LOG_TEXT


async def test_without_tickets_edit_there_is_no_outbound_and_no_upload(page: Page, console: Console) -> None:
    username, ticket = await _ticket_for(console, "tickets_enabled")
    await sign_in(page, console, username, at=f"/tickets/{ticket['number']}")
    outbound = page.get_by_role("group", name="Send as").get_by_role("button", name="Outbound")
    await expect(outbound).to_be_disabled()
    await expect(page.get_by_text("Outbound replies need the tickets_edit permission")).to_be_visible()
    await expect(page.get_by_role("button", name="Attach files")).to_be_disabled()
    await _type(page, "Only a note for colleagues.")
    await page.get_by_role("button", name="Send", exact=True).click()
    await expect(_message(page, "Internal note from")).to_contain_text("Only a note")
    await screenshot(page, "ticket-conversation-without-edit")
    await page.get_by_role("tab", name="Attachments").click()
    await expect(page.get_by_role("button", name="Upload files")).to_be_disabled()


async def test_a_long_conversation_opens_at_its_newest_message(page: Page, console: Console) -> None:
    username, ticket = await _ticket_for(console, *EDITOR)
    for index in range(1, 200):
        answer = await console.admin.post(
            f"/api/tickets/{ticket['number']}/comments",
            json={"body": f"Note number {index}", "body_format": "plain_text", "direction": "internal"},
        )
        assert answer.status_code == 201, answer.text
    await sign_in(page, console, username, at=f"/tickets/{ticket['number']}")
    await expect(page.get_by_text("200 messages")).to_be_visible()
    await expect(page.get_by_text("Note number 199", exact=True)).to_be_in_viewport()
    await screenshot(page, "ticket-conversation-long")
    # The newest 50 are drawn first; earlier ones on request, the operator's place kept.
    log = page.get_by_role("log", name="Messages")
    await expect(log.get_by_role("article")).to_have_count(50)
    await log.get_by_role("button", name="Show 50 earlier messages (150 not shown)").click()
    await expect(log.get_by_role("article")).to_have_count(100)
    await expect(page.get_by_text("Note number 150", exact=True)).to_be_in_viewport()


async def test_an_outbound_replys_email_state_shows_on_its_message_with_the_servers_words(
    page: Page, console: Console, smtp_sink: SmtpSink
) -> None:
    """A reply goes out through the real mail gateway to a real SMTP server: greylisted once (the
    message says so in the server's words), then sent with its file; a refused one fails, saying why."""
    username, ticket = await _ticket_for(console, *EDITOR)
    await _outbound_mailbox(console, ticket["department"]["id"], smtp_sink)
    smtp_sink.refuse_next(1, "451 4.7.1 Greylisted, please try again")
    await sign_in(page, console, username, at=f"/tickets/{ticket['number']}")
    await page.get_by_role("group", name="Send as").get_by_text("Outbound").click()
    await _type(page, "The technician comes at noon.")
    await page.get_by_label("Files to attach to the comment").set_input_files(
        {"name": "visit.txt", "mimeType": "text/plain", "buffer": b"noon\n"}
    )
    await page.get_by_role("button", name="Send", exact=True).click()
    reply = _message(page, "Outbound from").filter(has_text="comes at noon")
    await expect(reply.get_by_role("list", name="Attached files")).to_contain_text("visit.txt")
    line = reply.locator("[data-delivery]")

    await _delivery_reaches(console, ticket, "comes at noon", "retrying")
    await page.reload()
    await expect(line).to_have_attribute("data-delivery", "retrying")
    await expect(line).to_contain_text("Not sent yet, trying again")
    await expect(line).to_contain_text("451 4.7.1 Greylisted, please try again")
    await assert_accessible(page, "conversation, a reply being retried")
    await screenshot(page, "ticket-conversation-delivery-retrying")

    await _delivery_reaches(console, ticket, "comes at noon", "sent")
    await page.reload()
    await expect(line).to_have_text("E-mail: Sent")
    [delivered] = await smtp_sink.wait_for(1)
    mailed = delivered.parsed()
    assert delivered.login == "desk" and mailed["To"] == ticket["contact"]["email"]
    assert ticket["number"] in mailed["Subject"]
    assert [part.get_filename() for part in mailed.iter_attachments()] == ["visit.txt"]

    smtp_sink.refuse_next(1, "550 5.1.1 <customer@example.com>: mailbox unavailable")
    await page.get_by_role("group", name="Send as").get_by_text("Outbound").click()
    await _type(page, "Second try at noon.")
    await page.get_by_role("button", name="Send", exact=True).click()
    await _delivery_reaches(console, ticket, "Second try at noon", "failed")
    await page.reload()
    refused = _message(page, "Outbound from").filter(has_text="Second try at noon").locator("[data-delivery]")
    await expect(refused).to_have_attribute("data-delivery", "failed")
    await expect(refused).to_contain_text("550 5.1.1 <customer@example.com>: mailbox unavailable")
    await assert_accessible(page, "conversation, a reply not delivered")
    await screenshot(page, "ticket-conversation-delivery-failed")
    notes = _message(page, "Outbound from").filter(has_text="room 4 smokes")
    await expect(notes.locator("[data-delivery]")).to_have_count(0)


async def _outbound_mailbox(console: Console, department_id: str, sink: SmtpSink) -> None:
    """The department's SMTP server is the test's sink (plain text on loopback, allowed in this
    stack), once the mail gateway has heard of the department."""
    sink.users["desk"] = "desk-password"
    body = {
        "smtp_host": "127.0.0.1",
        "smtp_port": sink.port,
        "smtp_tls": "none",
        "smtp_username": "desk",
        "smtp_password": "desk-password",
        "from_address": "desk@helpdesk.example",
        "from_name": "Help Desk",
    }

    async def saved() -> bool:
        answer = await console.admin.put(f"/api/mail/departments/{department_id}/mailbox", json=body)
        assert answer.status_code in (200, 404), answer.text
        return answer.status_code == 200

    await eventually(saved, within=20, what="the mailbox saved once the mail gateway knows the department")


async def _delivery_reaches(console: Console, ticket: dict[str, Any], text: str, state: str) -> None:
    async def reached() -> bool:
        found = (await console.admin.get(f"/api/tickets/{ticket['number']}/comments")).json()
        return any(text in c["body_text"] and (c["delivery"] or {}).get("state") == state for c in found)

    await eventually(reached, within=30, what=f"the reply '{text}' {state}")
