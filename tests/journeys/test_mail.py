"""A customer's e-mail through the whole stack as processes (`helpdesk run`): Dovecot → the poller →
the parser → ticketing's new ticket → the auto-reply through the department's SMTP; then the
operator's answer is mailed with our Message-ID, and the customer's reply to it comes back onto the
same ticket rather than opening another (issue 16, parts 2, 5, 6 and 9: threading both ways)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from helpdesk_common.testing.dovecot import DovecotServer
from helpdesk_common.testing.infrastructure import TestServers
from helpdesk_common.testing.plugin import TestDatabase
from helpdesk_common.testing.smtp_sink import SmtpSink
from tests.backbone.harness import eventually
from tests.journeys.stack import RunningStack, start_stack

DESK = "desk@helpdesk.example"
CUSTOMER = "erika@customer.example"
# Loopback servers without certificates the services know: plain text, allowed for this stack only;
# retries soon, so that a test waits seconds rather than the deployed minutes.
MAIL_ON_LOOPBACK = {
    "HELPDESK_MAIL_ALLOW_PLAINTEXT": "true",
    "HELPDESK_MAIL_LEASE_SECONDS": "3",
    "HELPDESK_SEND_RETRY_FIRST_SECONDS": "1",
    "HELPDESK_SEND_RETRY_LONGEST_SECONDS": "2",
    "HELPDESK_SEND_POLL_SECONDS": "0.5",
}


@pytest.fixture
async def mail_stack(
    servers: TestServers, database: TestDatabase, jetstream: object, tmp_path: Path
) -> AsyncIterator[RunningStack]:
    running = await start_stack(
        servers, database, tmp_path, upstreams=("ticketing", "mail-gateway"), service_env=MAIL_ON_LOOPBACK
    )
    try:
        yield running
    finally:
        running.stop()


async def test_an_email_becomes_a_ticket_is_answered_and_its_reply_threads_back(
    mail_stack: RunningStack, dovecot: DovecotServer, smtp_sink: SmtpSink
) -> None:
    admin = await mail_stack.admin()
    switched = await admin.put(
        "/api/tickets/settings",
        json={"ticket_system_enabled": True, "ticket_number_prefix": "TKT", "blocked_extensions": []},
    )
    assert switched.status_code == 200, switched.text
    department = (await admin.post("/api/tickets/departments", json={"name": "Support"})).json()
    user = dovecot.add_user()
    smtp_sink.users["desk"] = "desk-password"
    await _mailbox_saved(admin, department["id"], _mailbox(dovecot, user, smtp_sink))

    first_id = f"<{uuid.uuid4().hex}@customer.example>"
    await dovecot.append(user, _customer_mail(first_id, "Printer on fire", "It is on fire since 9."))
    ticket = await _only_ticket(admin, department["id"])
    assert ticket["title"] == "Printer on fire"

    [auto_reply] = await smtp_sink.wait_for(1, within=60)
    answer = auto_reply.parsed()
    assert auto_reply.rcpt_tos == [CUSTOMER]
    assert answer["Subject"] == f"[{ticket['number']}] We have your message: Printer on fire"
    assert answer["In-Reply-To"] == first_id
    # Marked as a machine's (RFC 3834), so that the customer's own auto-responder stays silent.
    assert answer["Auto-Submitted"] == "auto-generated"

    reply = await admin.post(
        f"/api/tickets/{ticket['number']}/comments",
        json={"body": "Please switch it off.", "body_format": "plain_text", "direction": "outbound"},
    )
    assert reply.status_code == 201, reply.text
    delivered = (await smtp_sink.wait_for(2, within=60))[1].parsed()
    assert "Please switch it off." in delivered.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert first_id in delivered["References"]
    our_id = delivered["Message-ID"]

    await dovecot.append(
        user, _customer_mail(f"<{uuid.uuid4().hex}@customer.example>", "Re: Printer on fire", "Done.", our_id)
    )

    async def threaded() -> bool:
        comments = (await admin.get(f"/api/tickets/{ticket['number']}/comments")).json()
        return any("Done." in comment["body_text"] for comment in comments)

    await eventually(threaded, within=60, what="the customer's reply on the same ticket")
    listed = (
        await admin.get("/api/tickets", params={"tab": "all", "department_id": department["id"]})
    ).json()
    assert [row["number"] for row in listed["rows"]] == [ticket["number"]]
    # One auto-reply per ticket: the reply to our answer is not answered again.
    assert len(smtp_sink.messages) == 2


def _mailbox(dovecot: DovecotServer, user: Any, sink: SmtpSink) -> dict[str, Any]:
    return {
        "imap_host": "127.0.0.1",
        "imap_port": dovecot.port,
        "imap_tls": "none",
        "imap_username": user.name,
        "imap_password": user.password,
        "smtp_host": "127.0.0.1",
        "smtp_port": sink.port,
        "smtp_tls": "none",
        "smtp_username": "desk",
        "smtp_password": "desk-password",
        "from_address": DESK,
        "from_name": "Help Desk",
        "auto_reply_enabled": True,
        "auto_reply_subject": "[{{ticket_number}}] We have your message: {{subject}}",
        "auto_reply_body_html": "<p>Your ticket is {{ticket_number}}.</p>",
    }


async def _mailbox_saved(admin: httpx.AsyncClient, department_id: str, body: dict[str, Any]) -> None:
    async def saved() -> bool:
        answer = await admin.put(f"/api/mail/departments/{department_id}/mailbox", json=body)
        assert answer.status_code in (200, 404), answer.text
        return answer.status_code == 200

    await eventually(saved, within=30, what="the mailbox saved once the mail gateway knows the department")


async def _only_ticket(admin: httpx.AsyncClient, department_id: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = []

    async def created() -> bool:
        rows = (await admin.get("/api/tickets", params={"tab": "all", "department_id": department_id})).json()
        found[:] = rows["rows"]
        return bool(found)

    await eventually(created, within=60, what="the ticket from the e-mail")
    return found[0]


def _customer_mail(message_id: str, subject: str, body: str, in_reply_to: str | None = None) -> bytes:
    threading = f"In-Reply-To: {in_reply_to}\r\nReferences: {in_reply_to}\r\n" if in_reply_to else ""
    return (
        f"From: Erika Mustermann <{CUSTOMER}>\r\n"
        f"To: Help Desk <{DESK}>\r\n"
        f"Subject: {subject}\r\n"
        f"Message-ID: {message_id}\r\n"
        f"{threading}"
        "Date: Wed, 02 Dec 2026 09:00:00 +0000\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        f"{body}\r\n"
    ).encode()
