"""A department's mailbox in the department dialog (10.10, issue 16 part 8): the General section's
mailbox fields saved to the mail gateway, secrets shown as "set" after a reload and never put into
the page, a refused field's error under that field, the test actions showing the server's own words,
the mailbox health, and the Auto-Reply and Follow-Up Reminder sections."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from playwright.async_api import Locator, Page, expect

from tests.backbone.harness import eventually
from tests.console.harness import Console, assert_accessible, screenshot, sign_in

IMAP_PASSWORD = f"imap-{secrets.token_hex(6)}"
SMTP_PASSWORD = f"smtp-{secrets.token_hex(6)}"
REFUSAL = "* BYE [UNAVAILABLE] Mailbox is locked by another session"


@asynccontextmanager
async def _refusing_imap_server() -> AsyncIterator[int]:
    """A server on loopback that greets with a refusal (the mail gateway runs on this machine)."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(f"{REFUSAL}\r\n".encode())
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


async def _accessible(page: Page, what: str) -> None:
    await expect(
        page.locator(".p-dialog-enter-active, .p-dialog-leave-active, .p-select-overlay")
    ).to_have_count(0)
    await assert_accessible(page, what)


async def _choose(page: Page, field: str, option: str) -> None:
    await page.get_by_role("combobox", name=field).click()
    await page.get_by_role("option", name=option).click()
    # The list fades out; until it is gone its options are still there beside the next list's.
    await expect(page.locator(".p-select-overlay")).to_have_count(0)


async def _number(box: Locator, value: str) -> None:
    """InputNumber takes keystrokes, not a pasted value."""
    await box.click()
    await box.press("Control+a")
    await box.press("Backspace")
    await box.press_sequentially(value)


async def _mail_gateway_knows(console: Console, department_id: str) -> None:
    """The mail gateway hears of the department (and of the module switch) from ticketing's events."""

    async def known() -> bool:
        return (await console.admin.get(f"/api/mail/departments/{department_id}/mailbox")).status_code == 200

    await eventually(known, within=60, what="the department to reach the mail gateway")


async def _open(page: Page, name: str) -> Locator:
    await page.get_by_role("button", name=f"Edit {name}").click()
    dialog = page.get_by_role("dialog", name=f"Edit department {name}")
    await expect(dialog.get_by_role("heading", name="Mailbox")).to_be_visible()
    return dialog


async def test_the_mailbox_is_set_up_in_the_department_dialog(page: Page, console: Console) -> None:
    username = await console.operator("tickets_enabled", "tickets_manage_departments")
    department = await console.department()
    name = department["name"]
    await _mail_gateway_knows(console, department["id"])
    await sign_in(page, console, username, at="/tickets/departments")
    dialog = await _open(page, name)
    for section in ("General", "Auto-Reply Email", "Follow-Up Reminder Email", "Cleanup", "Members"):
        await expect(dialog.get_by_role("heading", name=section)).to_be_visible()
    # Nothing saved yet: no health and no test buttons, and the passwords are not set.
    await expect(dialog.get_by_role("button", name="Test IMAP")).to_have_count(0)
    await expect(dialog.get_by_label("IMAP Password")).to_have_attribute("placeholder", "Not set")

    async with _refusing_imap_server() as imap_port:
        await dialog.get_by_label("IMAP Server").fill("127.0.0.1")
        await _number(dialog.get_by_label("IMAP Port"), str(imap_port))
        await _choose(page, "IMAP TLS", "STARTTLS")
        await dialog.get_by_label("IMAP Username").fill("support")
        await dialog.get_by_label("IMAP Password").fill(IMAP_PASSWORD)
        await dialog.get_by_label("SMTP Server").fill("smtp.example.com")
        await _number(dialog.get_by_label("SMTP Port"), "587")
        await _choose(page, "SMTP TLS", "STARTTLS")
        await dialog.get_by_label("SMTP Username").fill("support@example.com")
        await dialog.get_by_label("SMTP Password").fill(SMTP_PASSWORD)
        await dialog.get_by_label("From Address").fill("support at example.com")
        await dialog.get_by_label("From Name").fill("ACME Support")
        await dialog.get_by_label("Send the Auto-Reply e-mail").check()
        auto_reply = dialog.locator("#auto-reply-subject")
        await auto_reply.fill("We got {{subject}} as {{ticket_id}}")
        await dialog.locator("#auto-reply-body").fill("<p>Your ticket is {{ticket_number}}.</p>")
        await _number(dialog.get_by_label("Send after X days without reply"), "7")
        await _accessible(page, "department dialog with the mailbox")
        await dialog.get_by_role("button", name="Save").click()

        # Refused by the mail gateway: each error under its field, everything typed still there.
        await expect(dialog.locator("#mailbox-from-address-error")).to_contain_text("Not an e-mail address")
        await expect(dialog.locator("#auto-reply-subject-error")).to_contain_text("{{ticket_id}}")
        await expect(dialog.get_by_label("IMAP Server")).to_have_value("127.0.0.1")
        await screenshot(page, "department-mailbox-field-errors")
        await _accessible(page, "department dialog with field errors")
        await dialog.get_by_label("From Address").fill("support@example.com")
        await auto_reply.fill("We got {{subject}}: {{ticket_number}}")
        await dialog.get_by_role("button", name="Save").click()
        await expect(dialog).to_have_count(0)

        answer = await console.admin.get(f"/api/mail/departments/{department['id']}/mailbox")
        saved = answer.json()
        assert IMAP_PASSWORD not in answer.text and SMTP_PASSWORD not in answer.text
        assert saved["imap_password_set"] and saved["smtp_password_set"]
        assert (saved["imap_port"], saved["imap_tls"], saved["smtp_port"]) == (imap_port, "starttls", 587)
        assert saved["from_address"] == "support@example.com" and saved["from_name"] == "ACME Support"
        assert (
            saved["auto_reply_enabled"]
            and saved["auto_reply_subject"] == "We got {{subject}}: {{ticket_number}}"
        )
        assert saved["follow_up_after_days"] == 7

        # After a reload the secrets are "set", never filled in.
        await page.reload()
        dialog = await _open(page, name)
        await expect(dialog.locator("#mailbox-imap-password")).to_have_text("Set")
        await expect(dialog.locator("#mailbox-smtp-password")).to_have_text("Set")
        await expect(dialog.get_by_label("IMAP Server")).to_have_value("127.0.0.1")
        content = await page.content()
        assert IMAP_PASSWORD not in content and SMTP_PASSWORD not in content

        # The test action shows the server's own words; the health says nothing has polled yet.
        await dialog.get_by_role("button", name="Test IMAP").click()
        result = dialog.get_by_test_id("mailbox-test-imap")
        await expect(result).to_contain_text("IMAP failed at greeting")
        await expect(result).to_contain_text(REFUSAL)
        health = dialog.get_by_label("Mailbox health")
        await expect(health).to_contain_text("Last poll")
        await expect(health).to_contain_text("never")
        await _accessible(page, "department dialog with a saved mailbox")
        await screenshot(page, "department-mailbox-saved")

    # Replacing one secret and clearing nothing: the other stays stored.
    await dialog.get_by_role("button", name="Replace").first.click()
    await dialog.get_by_label("IMAP Password").fill("a new password")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_have_count(0)
    [row] = await _stored(console, department["id"])
    assert row["imap_password_set"] and row["smtp_password_set"]


async def _stored(console: Console, department_id: str) -> list[dict[str, bool]]:
    answer = await console.admin.get(f"/api/mail/departments/{department_id}/mailbox")
    body = answer.json()
    return [{"imap_password_set": body["imap_password_set"], "smtp_password_set": body["smtp_password_set"]}]


async def test_oauth2_fields_appear_when_chosen(page: Page, console: Console) -> None:
    username = await console.operator("tickets_enabled", "tickets_manage_departments")
    department = await console.department()
    await _mail_gateway_knows(console, department["id"])
    await sign_in(page, console, username, at="/tickets/departments")
    dialog = await _open(page, department["name"])
    await expect(dialog.get_by_label("Token endpoint URL")).to_have_count(0)
    await _choose(page, "Sign-in", "OAuth2")
    await expect(dialog.get_by_label("Token endpoint URL")).to_be_visible()
    # Signing in with OAuth2, the servers ask for no password.
    await expect(dialog.get_by_label("IMAP Password")).to_have_count(0)
    await dialog.get_by_label("IMAP Server").fill("outlook.office365.com")
    await dialog.get_by_label("IMAP Username").fill("support@example.com")
    # No scheme: refused even where plain text is allowed (this stack allows it for its SMTP sink).
    await dialog.get_by_label("Token endpoint URL").fill("login.example.com/token")
    await dialog.get_by_label("Client ID").fill("client")
    await dialog.get_by_label("Refresh token").fill("refresh-token-value")
    await _choose(page, "Mechanism", "OAUTHBEARER")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog.locator("#mailbox-oauth-endpoint-error")).to_contain_text("https://")
    await _accessible(page, "department dialog with OAuth2")
    await screenshot(page, "department-mailbox-oauth2")
    await dialog.get_by_label("Token endpoint URL").fill("https://login.example.com/token")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_have_count(0)
    saved = (await console.admin.get(f"/api/mail/departments/{department['id']}/mailbox")).json()
    assert saved["auth_method"] == "oauth2" and saved["oauth_refresh_token_set"]
    assert saved["oauth_mechanism"] == "OAUTHBEARER"
