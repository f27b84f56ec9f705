"""Settings, Incident Notifications (issue 20, part 8) against the real notifier and its webhook
workers, for an operator holding incidents.manage and no ticket flag: a refused address under its
event's row and a missing sending department under its field, the rules saved; the ITSM webhooks in the
department's dialog with the incident events and placeholders, an incident event published on the
ITSM stream (as the itsm service publishes it) delivered signed to a receiver on loopback and shown in
the delivery log."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import nats
from aiohttp import web
from playwright.async_api import Page, expect
from standardwebhooks.webhooks import Webhook

from helpdesk_common.contracts.itsm import IncidentChangeData, IncidentCreated, IncidentSnapshot
from helpdesk_common.embedded import free_port
from tests.backbone.harness import eventually
from tests.console.harness import Console, assert_accessible, screenshot, sign_in


@dataclass
class Receiver:
    url: str
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@asynccontextmanager
async def _receiver() -> AsyncIterator[Receiver]:
    port = free_port()
    found = Receiver(f"http://127.0.0.1:{port}/pager")

    async def hook(request: web.Request) -> web.Response:
        found.received.append((dict(request.headers), await request.read()))
        return web.Response(text="paged")

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
    async def known() -> bool:
        answer = await console.admin.get("/api/notifications/itsm/notifications/departments")
        return answer.status_code == 200 and any(found["id"] == department_id for found in answer.json())

    await eventually(known, within=60, what="the department to reach the notifier")


async def _publish_incident(console: Console, title: str) -> IncidentCreated:
    now = datetime.now(UTC)
    incident = IncidentSnapshot(
        id=uuid.uuid4(),
        number="INC-000042",
        title=title,
        status="open",
        severity="critical",
        impact="high",
        urgency="high",
        priority="P1",
        host="db-01.example.com",
        created_at=now,
        updated_at=now,
    )
    event = IncidentCreated.build(
        source="itsm", subject=str(incident.id), data=IncidentChangeData(incident=incident)
    )
    client = await nats.connect(console.stack.environments["notifier"]["HELPDESK_NATS_URL"])
    try:
        await client.jetstream().publish(
            event.bus_subject(), event.to_json(), headers={"Nats-Msg-Id": str(event.id)}
        )
    finally:
        await client.close()
    return event


async def test_incident_e_mail_rules_and_itsm_webhooks_are_managed_from_settings(
    page: Page, console: Console
) -> None:
    username = await console.operator("incidents.manage")
    department = await console.department(f"Operations {uuid.uuid4().hex[:4]}")
    await _notifier_knows(console, department["id"])
    await sign_in(page, console, username)
    menu = page.get_by_role("navigation", name="Main menu")
    await menu.get_by_role("link", name="Incident Notifications").click()
    await expect(page.get_by_role("heading", name="Incident Notifications", level=1)).to_be_visible()
    # No Ticket System flag: no Tickets menu, and the page is all there is.
    await expect(menu.get_by_role("link", name="Departments")).to_have_count(0)

    created = page.get_by_label("Incident Created: recipients")
    await created.fill("oncall@example.com, not-an-address")
    await page.get_by_role("button", name="Save").click()
    await expect(page.locator("#incident-incident_created-recipients-error")).to_contain_text(
        "'not-an-address'"
    )
    await assert_accessible(page, "incident notifications with a refused address")

    await created.fill("oncall@example.com, noc@example.com")
    await page.get_by_label("Incident Escalated: the assignee").check()
    await page.get_by_role("button", name="Save").click()
    await expect(page.locator("#incident-sender-error")).to_contain_text("department")
    await expect(page.locator("#incident-incident_created-recipients-error")).to_be_empty()

    await page.get_by_role("combobox", name="Sent Through the Mailbox Of").click()
    await page.get_by_role("option", name=department["name"]).click()
    # A MultiSelect's combobox is an input under its label: the keyboard opens its list.
    await page.get_by_role("combobox", name="Incident Created: priorities").focus()
    await page.keyboard.press("ArrowDown")
    await page.get_by_role("option", name="P1").click()
    await page.get_by_role("option", name="P2").click()
    await page.get_by_role("heading", name="Incident Notifications", level=1).click()
    await expect(page.locator(".p-multiselect-overlay")).to_have_count(0)
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("status")).to_contain_text("Incident notifications saved.")
    saved = (await console.admin.get("/api/notifications/itsm/notifications")).json()
    assert saved["sender_department_id"] == department["id"]
    assert saved["events"]["incident_created"] == {
        "recipients": "oncall@example.com, noc@example.com",
        "assignee": False,
        "priorities": ["P1", "P2"],
    }
    assert saved["events"]["incident_escalated"]["assignee"] is True
    await page.reload()
    await expect(page.get_by_label("Incident Created: recipients")).to_have_value(
        "oncall@example.com, noc@example.com"
    )
    await expect(page.get_by_label("Incident Escalated: the assignee")).to_be_checked()
    await screenshot(page, "incident-notifications")
    await assert_accessible(page, "incident notifications saved")

    async with _receiver() as receiver:
        await page.get_by_role("button", name="Manage Webhooks").click()
        dialog = page.get_by_role("dialog", name="Webhooks of Incidents")
        await dialog.get_by_role("button", name="New webhook").click()
        dialog = page.get_by_role("dialog", name="New webhook")
        await expect(dialog.locator("#webhook-body")).to_contain_text(
            '"incident_number": "{{incident_number}}"'
        )
        await expect(dialog.get_by_role("button", name="Insert {{severity}}")).to_be_visible()
        await expect(dialog.get_by_role("button", name="Insert {{customer}}")).to_have_count(0)
        await expect(dialog.get_by_label("Ticket Created")).to_have_count(0)
        await dialog.get_by_label("Name", exact=True).fill("Pager")
        await dialog.get_by_label("URL", exact=True).fill(receiver.url)
        await dialog.get_by_label("Incident Created").check()
        await _settled(page)
        await screenshot(page, "itsm-webhook-form")
        await dialog.get_by_role("button", name="Create").click()
        dialog = page.get_by_role("dialog", name="Webhooks of Incidents")
        secret = await dialog.get_by_label("Signing secret").input_value()
        await expect(dialog.get_by_role("row").filter(has_text="Pager")).to_contain_text("Incident Created")
        await dialog.get_by_role("button", name="Done").click()

        event = await _publish_incident(console, 'Disk "full" <b>now</b>')

        async def arrived() -> bool:
            return len(receiver.received) == 1

        await eventually(arrived, within=60, what="the incident_created delivery")
        [(headers, body)] = receiver.received
        assert Webhook(secret).verify(body, headers) is not None
        sent: dict[str, Any] = json.loads(body)
        assert (sent["event"], sent["incident_number"], sent["title"]) == (
            "incident_created",
            "INC-000042",
            event.data.incident.title,
        )
        await dialog.get_by_role("button", name="Deliveries of Pager").click()
        dialog = page.get_by_role("dialog", name="Deliveries of Pager")
        delivery = dialog.locator(f"[data-delivery-id='{headers['webhook-id']}']")
        await expect(delivery).to_contain_text("incident_created")
        await expect(delivery).to_contain_text("delivered")
        await _settled(page)
        await screenshot(page, "itsm-webhook-delivery-log")
        await assert_accessible(page, "ITSM webhook delivery log")
