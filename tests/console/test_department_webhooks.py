"""Manage Webhooks and the Notifications section of the department dialog (10.10, 10.16; issue 17
part 6) against the real notifier and its webhook workers, with a real HTTP receiver on loopback
(admitted by the stack's allow-list): a refused body and a refused URL each under their field, the
signing secret shown once and verified by an implementation that is not ours, the test action's
answer, a ticket's delivery in the log with the request as sent, redelivery under the same id, the
failing flag, rotation and delete; the notification recipients refused and saved."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web
from playwright.async_api import Locator, Page, expect
from standardwebhooks.webhooks import Webhook

from helpdesk_common.embedded import free_port
from tests.backbone.harness import eventually
from tests.console.harness import Console, assert_accessible, screenshot, sign_in

ANSWER = "thanks from the receiver"


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    received: list[Received] = field(default_factory=list)


@asynccontextmanager
async def _receiver() -> AsyncIterator[Receiver]:
    port = free_port()
    found = Receiver(f"http://127.0.0.1:{port}/hook")

    async def hook(request: web.Request) -> web.Response:
        found.received.append(Received(dict(request.headers), await request.read()))
        return web.Response(text=ANSWER)

    application = web.Application()
    application.router.add_route("*", "/{tail:.*}", hook)
    runner = web.AppRunner(application)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield found
    finally:
        await runner.cleanup()


async def _settled(page: Page) -> None:
    await expect(page.locator(".p-dialog-enter-active, .p-dialog-leave-active")).to_have_count(0)


async def _notifier_knows(console: Console, department_id: str) -> None:
    """The notifier hears of the department (and of the module switch) from ticketing's events."""

    async def known() -> bool:
        path = f"/api/notifications/departments/{department_id}/webhooks"
        return (await console.admin.get(path)).status_code == 200

    await eventually(known, within=60, what="the department to reach the notifier")


async def _edit_department(page: Page, name: str) -> Locator:
    await page.get_by_role("button", name=f"Edit {name}").click()
    dialog = page.get_by_role("dialog", name=f"Edit department {name}")
    await expect(dialog.get_by_role("heading", name="Webhooks")).to_be_visible()
    return dialog


async def _confirm(page: Page, button: str) -> None:
    await page.get_by_role("alertdialog").get_by_role("button", name=button).click()
    await expect(page.get_by_role("alertdialog")).to_have_count(0)


async def test_webhooks_are_managed_tested_and_their_deliveries_redelivered(
    page: Page, console: Console
) -> None:
    username = await console.operator(
        "tickets_enabled", "tickets_manage_departments", "tickets_manage_webhooks"
    )
    department = await console.department()
    name = department["name"]
    await _notifier_knows(console, department["id"])
    # A webhook whose receiver is not there: its deliveries keep failing, and it is flagged.
    hooks = f"/api/notifications/departments/{department['id']}/webhooks"
    dead = await console.admin.post(
        hooks, json={"name": "Nobody home", "url": f"http://127.0.0.1:{free_port()}/gone"}
    )
    assert dead.status_code == 201, dead.text
    await sign_in(page, console, username, at="/tickets/departments")
    department_dialog = await _edit_department(page, name)
    await department_dialog.get_by_role("button", name="Manage Webhooks").click()
    dialog = page.get_by_role("dialog", name=f"Webhooks of {name}")
    await expect(dialog.get_by_role("cell", name="Nobody home", exact=True)).to_be_visible()

    async with _receiver() as receiver:
        await dialog.get_by_role("button", name="New webhook").click()
        dialog = page.get_by_role("dialog", name="New webhook")
        # New webhooks start with 10.16's default body and headers.
        await expect(dialog.locator("#webhook-body")).to_contain_text('"ticket_number": "{{ticket_number}}"')
        await expect(dialog.locator("#webhook-headers")).to_contain_text('"Content-Type": "application/json"')
        await dialog.get_by_label("Name", exact=True).fill("Chat relay")
        await dialog.get_by_label("URL", exact=True).fill("http://169.254.169.254/latest/meta-data")
        await dialog.get_by_label("Ticket Created").check()
        # A placeholder typed at the cursor, before the opening brace: no longer JSON.
        await dialog.get_by_role("button", name="Insert {{priority}}").click()
        await expect(dialog.locator("#webhook-body")).to_contain_text("{{priority}}{")
        await dialog.get_by_role("button", name="Create").click()
        await expect(dialog.locator("#webhook-body-error")).to_contain_text("JSON")
        await _settled(page)
        await assert_accessible(page, "webhook form with a refused body")

        await dialog.locator("#webhook-body").click()
        await page.keyboard.press("Control+z")
        await expect(dialog.locator("#webhook-body")).not_to_contain_text("{{priority}}{")
        await dialog.get_by_role("button", name="Create").click()
        await expect(dialog.locator("#webhook-url-error")).to_contain_text("not allowed")
        await expect(dialog.locator("#webhook-body-error")).to_be_empty()
        await dialog.get_by_label("URL", exact=True).scroll_into_view_if_needed()
        await screenshot(page, "webhook-form-refused-url")

        await dialog.get_by_label("URL", exact=True).fill(receiver.url)
        await dialog.get_by_role("button", name="Create").click()
        dialog = page.get_by_role("dialog", name=f"Webhooks of {name}")
        secret_box = dialog.get_by_label("Signing secret")
        await expect(secret_box).to_have_value(re.compile(r"^whsec_"))
        secret = await secret_box.input_value()
        await expect(dialog.get_by_role("row").filter(has_text="Chat relay")).to_contain_text(
            "Ticket Created"
        )
        await _settled(page)
        await screenshot(page, "webhooks-secret-shown-once")
        await assert_accessible(page, "webhook list with the secret shown once")
        await dialog.get_by_role("button", name="Done").click()
        await expect(dialog.get_by_label("Signing secret")).to_have_count(0)

        await dialog.get_by_role("button", name="Test Chat relay").click()
        result = dialog.get_by_role("status", name="Test result")
        await expect(result).to_contain_text("answered 200")
        await expect(result).to_contain_text(ANSWER)
        [tested] = receiver.received
        assert Webhook(secret).verify(tested.body, tested.headers) is not None
        assert json.loads(tested.body)["ticket_number"] == "TKT-1001"

        # A ticket of the department is delivered and logged, the request as it was sent.
        await console.ticket("Printer on fire", department_id=department["id"])

        async def arrived() -> bool:
            return len(receiver.received) == 2

        await eventually(arrived, within=60, what="the ticket_created delivery")
        delivered = receiver.received[1]
        assert Webhook(secret).verify(delivered.body, delivered.headers) is not None
        await dialog.get_by_role("button", name="Deliveries of Chat relay").click()
        dialog = page.get_by_role("dialog", name="Deliveries of Chat relay")
        delivery = dialog.locator(f"[data-delivery-id='{delivered.headers['webhook-id']}']")
        await expect(delivery).to_contain_text("ticket_created")
        await expect(delivery).to_contain_text("delivered")
        await expect(delivery).to_contain_text("status 200")
        await delivery.locator("summary").click()
        await expect(delivery).to_contain_text("Request as sent")
        await expect(delivery).to_contain_text(receiver.url)
        await expect(delivery).to_contain_text("Printer on fire")
        await screenshot(page, "webhook-delivery-log")
        await assert_accessible(page, "delivery log opened")

        await delivery.get_by_role("button", name="Redeliver").click()

        async def redelivered() -> bool:
            return len(receiver.received) == 3

        await eventually(redelivered, within=60, what="the redelivery")
        # The same webhook-id: a receiver that deduplicates takes it once.
        assert receiver.received[2].headers["webhook-id"] == delivered.headers["webhook-id"]

        async def logged_twice() -> bool:
            await dialog.get_by_role("button", name="Refresh").click()
            return "2 attempts" in (await delivery.inner_text())

        await eventually(logged_twice, within=30, what="the redelivery in the log")

    await dialog.get_by_role("button", name="Back").click()
    dialog = page.get_by_role("dialog", name=f"Webhooks of {name}")
    dead_row = dialog.get_by_role("row").filter(has_text="Nobody home")
    # The list is read again each time it is shown: shown until the notifier flags the webhook (the
    # stack flags one failing for a few seconds).
    for _ in range(30):
        if "Failing" in await dead_row.inner_text():
            break
        await dialog.get_by_role("button", name="Edit Nobody home").click()
        await (
            page.get_by_role("dialog", name="Edit webhook Nobody home")
            .get_by_role("button", name="Back")
            .click()
        )
        await asyncio.sleep(1)
    await expect(dead_row).to_contain_text("Failing")
    await screenshot(page, "webhooks-failing-flag")

    # Rotation shows the new secret once; the old one signs nothing from now on.
    await dialog.get_by_role("button", name="Edit Chat relay").click()
    form = page.get_by_role("dialog", name="Edit webhook Chat relay")
    await expect(form.get_by_label("URL", exact=True)).to_have_value(receiver.url)
    await expect(form.get_by_label("Ticket Created")).to_be_checked()
    await form.get_by_role("button", name="Rotate secret").click()
    await _confirm(page, "Rotate secret")
    rotated = await form.get_by_label("Signing secret").input_value()
    assert rotated.startswith("whsec_") and rotated != secret
    # Closed and opened again: no secret anywhere, and the API never returns one either.
    await form.get_by_role("button", name="Close", exact=True).click()
    await expect(page.get_by_role("dialog", name="Edit webhook Chat relay")).to_have_count(0)
    await department_dialog.get_by_role("button", name="Manage Webhooks").click()
    dialog = page.get_by_role("dialog", name=f"Webhooks of {name}")
    await expect(dialog.get_by_role("cell", name="Chat relay", exact=True)).to_be_visible()
    assert "whsec_" not in await page.content()
    listed = await console.admin.get(hooks)
    assert "whsec_" not in listed.text

    await dialog.get_by_role("button", name="Delete Nobody home").click()
    await _confirm(page, "Delete permanently")
    await expect(dialog.get_by_role("cell", name="Nobody home", exact=True)).to_have_count(0)
    await expect(dialog.get_by_role("cell", name="Chat relay", exact=True)).to_be_visible()


async def test_the_notifications_section_saves_recipients_and_events(page: Page, console: Console) -> None:
    username = await console.operator("tickets_enabled", "tickets_manage_departments")
    department = await console.department()
    name = department["name"]
    await _notifier_knows(console, department["id"])
    await sign_in(page, console, username, at="/tickets/departments")
    dialog = await _edit_department(page, name)
    # Without tickets_manage_webhooks the button is there but says why it cannot be used.
    await expect(dialog.get_by_role("button", name="Manage Webhooks")).to_be_disabled()
    await expect(dialog).to_contain_text("needs the permission tickets_manage_webhooks")

    recipients = dialog.get_by_label("Notification Recipients")
    await recipients.fill("ops@example.com, not-an-address")
    await dialog.get_by_label("Ticket Created").check()
    await dialog.get_by_label("SLA Breached").check()
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog.locator("#notification-recipients-error")).to_contain_text("not-an-address")
    await expect(recipients).to_have_value("ops@example.com, not-an-address")
    await _settled(page)
    await screenshot(page, "department-notifications-refused")
    await assert_accessible(page, "notifications section with a refused recipient")

    await recipients.fill("ops@example.com,  Lead@Example.com ,")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_have_count(0)

    saved = await console.admin.get(f"/api/notifications/departments/{department['id']}/notifications")
    assert saved.json()["events"]["ticket_created"] and saved.json()["events"]["sla_breached"]
    assert not saved.json()["events"]["ticket_updated"]
    dialog = await _edit_department(page, name)
    await expect(dialog.get_by_label("Notification Recipients")).to_have_value(saved.json()["recipients"])
    assert "ops@example.com" in saved.json()["recipients"]
    await expect(dialog.get_by_label("Ticket Created")).to_be_checked()
    await expect(dialog.get_by_label("SLA Breached")).to_be_checked()
    await expect(dialog.get_by_label("Comment Added")).not_to_be_checked()
