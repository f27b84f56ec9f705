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

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.bodies import Body, render_body
from helpdesk_common.contracts.mail import MailOutboundRequested, OutboundMail
from helpdesk_common.contracts.tickets import InboundOrigin, TicketSnapshot
from helpdesk_common.outbox import add_events
from mail_gateway.tables.mailboxes import mailboxes
from mail_gateway.tables.replies import auto_replies

SOURCE = "mail-gateway"


NewTicket = tuple[TicketSnapshot, InboundOrigin]


async def answer_new_tickets(
    session: AsyncSession, new_tickets: list[NewTicket], *, per_sender_per_day: int
) -> list[str | None]:
    """For each ticket, in order, our Message-ID of the auto-reply queued, or None when none is sent
    (and why is recorded); a ticket decided before (a redelivered event) keeps that decision. What the
    decisions need is read for the whole run in a few statements, since this consumer keeps pace with
    ticket creation (`make bench-mail`)."""
    decided_before = await _decided(session, [ticket.id for ticket, _ in new_tickets])
    answerable = [
        (ticket, inbound)
        for ticket, inbound in new_tickets
        if ticket.department_id is not None and ticket.id not in decided_before
    ]
    if not answerable:
        return [None] * len(new_tickets)
    senders = list({inbound.from_address.strip().lower() for _, inbound in answerable})
    boxes = await _mailboxes(session, {ticket.department_id for ticket, _ in answerable})
    ours = await _ours(session, senders)
    sent = await _sent_today(session, senders)
    decisions: list[dict[str, Any]] = []
    replies: dict[uuid.UUID, MailOutboundRequested] = {}
    for ticket, inbound in answerable:
        assert ticket.department_id is not None
        mailbox = boxes.get(ticket.department_id)
        sender = inbound.from_address.strip().lower()
        skipped = _skip_reason(
            mailbox, inbound, ours=sender in ours, sent=sent.get(sender, 0), limit=per_sender_per_day
        )
        message_id = None
        if skipped is None and mailbox is not None:
            message_id = f"<auto-reply.{ticket.id}@{domain_of(mailbox.from_address)}>"
            sent[sender] = sent.get(sender, 0) + 1
            replies[ticket.id] = _reply(ticket, ticket.department_id, inbound, mailbox, message_id)
        decisions.append(
            {
                "ticket_id": ticket.id,
                "department_id": ticket.department_id,
                "recipient": inbound.from_address,
                "message_id": message_id,
                "skipped": skipped,
            }
        )
    decided = await session.execute(
        insert(auto_replies)
        .on_conflict_do_nothing(index_elements=["ticket_id"])
        .returning(auto_replies.c.ticket_id),
        decisions,
    )
    # Decided meanwhile by another replica: that decision stands, and no second reply leaves.
    first_time = set(decided.scalars().all())
    await add_events(session, [reply for ticket_id, reply in replies.items() if ticket_id in first_time])
    return [
        replies[ticket.id].data.message_id if ticket.id in replies and ticket.id in first_time else None
        for ticket, _ in new_tickets
    ]


async def _decided(session: AsyncSession, ticket_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    rows = await session.execute(
        select(auto_replies.c.ticket_id).where(auto_replies.c.ticket_id.in_(ticket_ids))
    )
    return set(rows.scalars().all())


async def _mailboxes(session: AsyncSession, department_ids: set[uuid.UUID | None]) -> dict[uuid.UUID, Any]:
    rows = await session.execute(select(mailboxes).where(mailboxes.c.department_id.in_(department_ids)))
    return {row.department_id: row for row in rows}


def _skip_reason(mailbox: Any, inbound: InboundOrigin, *, ours: bool, sent: int, limit: int) -> str | None:
    if mailbox is None or not mailbox.auto_reply_enabled or not mailbox.from_address:
        return "the department's auto-reply is off"
    if inbound.automatic:
        return f"sent by a machine ({inbound.automatic})"
    if ours:
        return "sent from one of our own addresses"
    if sent >= limit:
        return f"{sent} auto-replies to this sender in the last 24 hours already"
    return None


async def _ours(session: AsyncSession, senders: list[str]) -> set[str]:
    """Those of the senders that are one of our own mailboxes' addresses."""
    found: set[str] = set()
    for column in (mailboxes.c.from_address, mailboxes.c.imap_username, mailboxes.c.smtp_username):
        rows = await session.execute(select(func.lower(column)).where(func.lower(column).in_(senders)))
        found.update(rows.scalars().all())
    return found


async def _sent_today(session: AsyncSession, senders: list[str]) -> dict[str, int]:
    since = datetime.now(UTC) - timedelta(days=1)
    recipient = func.lower(auto_replies.c.recipient)
    rows = await session.execute(
        select(recipient, func.count())
        .where(
            recipient.in_(senders), auto_replies.c.message_id.is_not(None), auto_replies.c.decided_at > since
        )
        .group_by(recipient)
    )
    return {row[0]: row[1] for row in rows}


def _reply(
    ticket: TicketSnapshot, department_id: uuid.UUID, inbound: InboundOrigin, mailbox: Any, message_id: str
) -> MailOutboundRequested:
    values = {"ticket_number": ticket.number, "subject": ticket.title}
    subject = filled_subject(mailbox.auto_reply_subject, values)
    body = filled_body(mailbox.auto_reply_body_html, values)
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
