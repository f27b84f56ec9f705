"""A department's notification e-mails through the whole stack as processes (`helpdesk run`): the
settings saved through the gateway, a new ticket and a customer's reply in ticketing, the notifier's
consumer, its relay, the mail gateway's sender and the department's SMTP (the sink): one automatic
e-mail per recipient and event, naming the ticket and linking to it. One recipient is the department's
own mailbox: the notification that lands there comes back through IMAP and is passed over, so it
neither adds a comment nor notifies again (issue 17, part 1)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from helpdesk_common.testing.dovecot import DovecotServer
from helpdesk_common.testing.infrastructure import TestServers
from helpdesk_common.testing.plugin import TestDatabase
from helpdesk_common.testing.smtp_sink import AcceptedMessage, SmtpSink
from tests.backbone.harness import eventually
from tests.journeys.stack import RunningStack, start_stack
from tests.journeys.test_mail import DESK, MAIL_ON_LOOPBACK, _customer_mail, _mailbox, _mailbox_saved

CONSOLE = "https://desk.example.com"
OPS = "ops@example.com"
TITLE = 'Printer <b>on</b> fire & "smoking"'


@pytest.fixture
async def notify_stack(
    servers: TestServers, database: TestDatabase, jetstream: object, tmp_path: Path
) -> AsyncIterator[RunningStack]:
    running = await start_stack(
        servers,
        database,
        tmp_path,
        upstreams=("ticketing", "mail-gateway", "notifier"),
        service_env={**MAIL_ON_LOOPBACK, "HELPDESK_CONSOLE_URL": CONSOLE},
    )
    try:
        yield running
    finally:
        running.stop()


async def test_notifications_are_mailed_per_recipient_and_one_that_comes_back_is_passed_over(
    notify_stack: RunningStack, dovecot: DovecotServer, smtp_sink: SmtpSink
) -> None:
    admin = await notify_stack.admin()
    switched = await admin.put(
        "/api/tickets/settings",
        json={"ticket_system_enabled": True, "ticket_number_prefix": "TKT", "blocked_extensions": []},
    )
    assert switched.status_code == 200, switched.text
    department = (await admin.post("/api/tickets/departments", json={"name": "Support"})).json()
    user = dovecot.add_user()
    smtp_sink.users["desk"] = "desk-password"
    await _mailbox_saved(
        admin, department["id"], {**_mailbox(dovecot, user, smtp_sink), "auto_reply_enabled": False}
    )
    await _notifications_saved(admin, department["id"], f"{OPS}, {DESK}", "ticket_created", "comment_added")

    created = await admin.post(
        "/api/tickets",
        json={"title": TITLE, "department_id": department["id"], "contact_email": "erika@customer.example"},
    )
    assert created.status_code == 201, created.text
    number = created.json()["number"]
    first = await smtp_sink.wait_for(2, within=60)
    assert sorted(message.rcpt_tos[0] for message in first) == sorted([OPS, DESK])
    for message in first:
        _assert_notification(message, number, "Ticket created")

    # The copy for the department's own address arrives in its mailbox, as a real server would put it.
    [own] = [message for message in first if message.rcpt_tos == [DESK]]
    await dovecot.append(user, own.data)
    reply_id = f"<{uuid.uuid4().hex}@customer.example>"
    await dovecot.append(user, _customer_mail(reply_id, f"Re: [{number}] Printer", "Done."))

    async def replied() -> list[dict[str, Any]] | None:
        comments = (await admin.get(f"/api/tickets/{number}/comments")).json()
        return comments if any("Done." in comment["body_text"] for comment in comments) else None

    comments = await eventually(replied, within=60, what="the customer's reply on the ticket")
    later = (await smtp_sink.wait_for(4, within=60))[2:]
    for message in later:
        _assert_notification(message, number, "Comment added")
        assert "Done." in _text(message)
    # Nothing more comes: the notification that came back added no comment and so notified nobody.
    await asyncio.sleep(5)
    assert len(smtp_sink.messages) == 4
    comments = (await admin.get(f"/api/tickets/{number}/comments")).json()
    assert [comment["direction"] for comment in comments].count("inbound") == 1
    assert not any("Ticket created" in comment["body_text"] for comment in comments)


async def _notifications_saved(
    admin: httpx.AsyncClient, department_id: str, recipients: str, *events: str
) -> None:
    body = {"recipients": recipients, "events": {name: True for name in events}}

    async def saved() -> bool:
        answer = await admin.put(f"/api/notifications/departments/{department_id}/notifications", json=body)
        assert answer.status_code in (200, 404), answer.text
        return answer.status_code == 200

    await eventually(saved, within=30, what="the notifications saved once the notifier knows the department")


def _assert_notification(message: AcceptedMessage, number: str, what: str) -> None:
    parsed = message.parsed()
    assert parsed["Subject"] == f"[{number}] {what}: {TITLE}"
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert DESK in parsed["From"] and parsed["Message-ID"].startswith("<notification.")
    link = f"{CONSOLE}/tickets/{number}"
    text = _text(message)
    assert number in text and what in text and link in text
    html = parsed.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert f'href="{link}"' in html and "&lt;b&gt;on&lt;/b&gt;" in html and "<b>on" not in html


def _text(message: AcceptedMessage) -> str:
    return str(message.parsed().get_body(("plain",)).get_content())  # type: ignore[union-attr]
