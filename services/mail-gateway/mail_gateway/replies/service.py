"""The auto-reply (seed 10.10): once per new ticket created from inbound e-mail, never to a machine
(the parser's `automatic` reason), never to one of our own addresses, and at most
HELPDESK_MAIL_AUTO_REPLIES_PER_SENDER a day to one sender, so two autoresponders cannot keep each
other busy. Each decision is kept (tables/replies.py), which makes a redelivery a no-op and lets an
administrator see why a customer got none. The reply leaves as `mail_outbound_requested`, for the
sender role like any other mail."""

from __future__ import annotations

import html
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.bodies import Body, render_body
from helpdesk_common.contracts.mail import MailOutboundRequested, OutboundMail
from helpdesk_common.contracts.tickets import InboundOrigin, TicketSnapshot
from helpdesk_common.outbox import add_event
from mail_gateway.tables.mailboxes import mailboxes
from mail_gateway.tables.replies import auto_replies

SOURCE = "mail-gateway"


async def answer_new_ticket(
    session: AsyncSession, ticket: TicketSnapshot, inbound: InboundOrigin, *, per_sender_per_day: int
) -> str | None:
    """Our Message-ID of the auto-reply queued, or None when none is sent (and why is recorded)."""
    if ticket.department_id is None:
        return None
    mailbox = (
        await session.execute(select(mailboxes).where(mailboxes.c.department_id == ticket.department_id))
    ).first()
    skipped = await _skip_reason(session, mailbox, inbound, per_sender_per_day)
    message_id = None
    if skipped is None and mailbox is not None:
        message_id = f"<auto-reply.{ticket.id}@{domain_of(mailbox.from_address)}>"
    decided = await session.execute(
        insert(auto_replies)
        .values(
            ticket_id=ticket.id,
            department_id=ticket.department_id,
            recipient=inbound.from_address,
            message_id=message_id,
            skipped=skipped,
        )
        .on_conflict_do_nothing(index_elements=["ticket_id"])
        .returning(auto_replies.c.ticket_id)
    )
    if decided.first() is None or message_id is None:
        return None
    await add_event(session, _reply(ticket, ticket.department_id, inbound, mailbox, message_id))
    return message_id


async def _skip_reason(
    session: AsyncSession, mailbox: Any, inbound: InboundOrigin, per_sender_per_day: int
) -> str | None:
    if mailbox is None or not mailbox.auto_reply_enabled or not mailbox.from_address:
        return "the department's auto-reply is off"
    if inbound.automatic:
        return f"sent by a machine ({inbound.automatic})"
    if await _ours(session, inbound.from_address):
        return "sent from one of our own addresses"
    since = datetime.now(UTC) - timedelta(days=1)
    recent = (
        await session.execute(
            select(func.count()).where(
                func.lower(auto_replies.c.recipient) == inbound.from_address.lower(),
                auto_replies.c.message_id.is_not(None),
                auto_replies.c.decided_at > since,
            )
        )
    ).scalar_one()
    if recent >= per_sender_per_day:
        return f"{recent} auto-replies to this sender in the last 24 hours already"
    return None


async def _ours(session: AsyncSession, address: str) -> bool:
    lowered = address.strip().lower()
    found = await session.execute(
        select(mailboxes.c.department_id)
        .where(
            or_(
                func.lower(mailboxes.c.from_address) == lowered,
                func.lower(mailboxes.c.imap_username) == lowered,
                func.lower(mailboxes.c.smtp_username) == lowered,
            )
        )
        .limit(1)
    )
    return found.first() is not None


def _reply(
    ticket: TicketSnapshot, department_id: uuid.UUID, inbound: InboundOrigin, mailbox: Any, message_id: str
) -> MailOutboundRequested:
    values = {"ticket_number": ticket.number, "subject": ticket.title}
    subject = " ".join(_filled(mailbox.auto_reply_subject, values).split())
    body = render_body(
        _filled(mailbox.auto_reply_body_html, {k: html.escape(v) for k, v in values.items()}), "html"
    )
    mail = OutboundMail(
        department_id=department_id,
        ticket_id=ticket.id,
        ticket_number=ticket.number,
        to=[inbound.from_address],
        # The number in the subject threads a reply to the auto-reply onto the ticket.
        subject=subject if ticket.number in subject else f"[{ticket.number}] {subject}".strip(),
        body_text=body.text,
        body_html=body.html,
        message_id=message_id,
        in_reply_to=inbound.message_id,
        references=[inbound.message_id],
        automatic=True,
    )
    return MailOutboundRequested.build(source=SOURCE, subject=str(ticket.id), data=mail)


def filled_subject(template: str, values: dict[str, str]) -> str:
    """The placeholders filled, on one line (a subject is a header)."""
    return " ".join(_filled(template, values).split())


def filled_body(template: str, values: dict[str, str]) -> Body:
    """The placeholders filled with their values escaped (a subject may carry markup), sanitised."""
    return render_body(
        _filled(template, {name: html.escape(value) for name, value in values.items()}), "html"
    )


def _filled(template: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        template = template.replace("{{" + name + "}}", value)
    return template


def domain_of(address: str) -> str:
    return address.rpartition("@")[2] or "helpdesk"
