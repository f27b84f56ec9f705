"""Threading an inbound message onto its ticket (number in the subject, or a reply to a message we
sent), reopening a resolved or closed ticket, or creating a ticket with Source Email. A bounce about a
message we sent is a note on that message's ticket, never a ticket or a contact."""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.bodies import render_body
from helpdesk_common.contracts.mail import BounceReport, InboundMail
from helpdesk_common.contracts.tickets import TicketSource
from helpdesk_common.db import driver_connection
from helpdesk_common.files import safe_file_name
from ticketing.tables.attachments import attachments
from ticketing.tables.comments import comments
from ticketing.tables.contacts import contacts
from ticketing.tables.tickets import tickets
from ticketing.tickets import events, messages
from ticketing.tickets.creation import FirstMessage, create_ticket
from ticketing.tickets.reading import read_ticket_by_id
from ticketing.tickets.schemas import MessageBody, TicketCreate
from ticketing.tickets.service import apply_changes

log = logging.getLogger(__name__)

NUMBER_IN_SUBJECT = re.compile(r"\b([A-Z][A-Z0-9]{0,9}-\d{6,})\b", re.IGNORECASE)
REOPENED_FROM = ("resolved", "closed")
# A sender's new tickets from e-mail per department and hour at most: past it, each further message
# lands on that sender's newest ticket there as a reply (nothing is lost), so a sender flooding a
# mailbox, or a mail loop our checks missed, cannot fill the queue (docs/architecture.md).
NEW_TICKETS_PER_SENDER_PER_HOUR = 20


async def receive(session: AsyncSession, mail: InboundMail) -> uuid.UUID | None:
    """Returns the ticket the message landed on, or None when it was seen before."""
    if await _seen(session, mail.message_id):
        return None
    if mail.bounce is not None:
        return await _record_bounce(session, mail, mail.bounce)
    ticket = await _matching_ticket(session, mail) or await _flooding(session, mail)
    if ticket is None:
        return await _new_ticket(session, mail)
    await _reply(session, ticket, mail)
    return ticket.id


async def _record_bounce(session: AsyncSession, mail: InboundMail, bounce: BounceReport) -> uuid.UUID | None:
    """An internal note on the ticket whose message failed, found by the Message-ID our outbound mail
    carried; the note keeps the bounce's own Message-ID, so the same bounce twice lands once."""
    ticket_id = None
    if bounce.original_message_id:
        ticket_id = (
            await session.execute(
                select(comments.c.ticket_id).where(comments.c.message_id == bounce.original_message_id)
            )
        ).scalar_one_or_none()
    if ticket_id is None:
        log.info(
            "bounce %s from %s dropped: no ticket sent %s",
            mail.message_id,
            mail.from_address,
            bounce.original_message_id or "the message it reports (it names none)",
        )
        return None
    comment = await messages.add_comment(
        session,
        ticket_id=ticket_id,
        direction="internal",
        author=(None, "system"),
        body=MessageBody(body=_bounce_note(bounce), body_format="plain_text"),
        message_id=mail.message_id,
    )
    await events.publish_comment(session, await read_ticket_by_id(session, ticket_id), comment)
    return ticket_id


def _bounce_note(bounce: BounceReport) -> str:
    what = "was delayed" if bounce.action == "delayed" else "failed"
    whom = f" to {bounce.recipient}" if bounce.recipient else ""
    status = f" (status {bounce.status})" if bounce.status else ""
    said = f"\nThe mail server said: {bounce.diagnostic}" if bounce.diagnostic else ""
    return f"Delivery of our e-mail{whom} {what}{status}.{said}"


async def _seen(session: AsyncSession, message_id: str) -> bool:
    return (
        await session.execute(select(comments.c.id).where(comments.c.message_id == message_id))
    ).first() is not None


async def _matching_ticket(session: AsyncSession, mail: InboundMail) -> Any:
    for number in NUMBER_IN_SUBJECT.findall(mail.subject):
        found = (
            await session.execute(select(tickets).where(tickets.c.number == number.upper()).with_for_update())
        ).first()
        if found is not None:
            return found
    thread = [ref for ref in (mail.in_reply_to, *reversed(mail.references)) if ref]
    if not thread:
        return None
    replied_to = (
        await session.execute(select(comments.c.ticket_id).where(comments.c.message_id.in_(thread)).limit(1))
    ).scalar_one_or_none()
    if replied_to is None:
        return None
    return (
        await session.execute(select(tickets).where(tickets.c.id == replied_to).with_for_update())
    ).first()


async def _flooding(session: AsyncSession, mail: InboundMail) -> Any:
    """The sender's newest ticket in the department when they have opened the hour's limit of them."""
    recent = (
        select(tickets)
        .join(contacts, contacts.c.id == tickets.c.contact_id)
        .where(
            func.lower(contacts.c.email) == mail.from_address.strip().lower(),
            tickets.c.department_id == mail.department_id,
            tickets.c.source == TicketSource.EMAIL.value,
            tickets.c.created_at > func.now() - text("interval '1 hour'"),
        )
        .order_by(tickets.c.created_at.desc())
        .limit(NEW_TICKETS_PER_SENDER_PER_HOUR)
    )
    rows = (await session.execute(recent)).all()
    if len(rows) < NEW_TICKETS_PER_SENDER_PER_HOUR:
        return None
    log.warning(
        "%s opened %d tickets from e-mail within the hour; %s goes onto %s",
        mail.from_address,
        len(rows),
        mail.message_id,
        rows[0].number,
    )
    return (
        await session.execute(select(tickets).where(tickets.c.id == rows[0].id).with_for_update())
    ).first()


async def _reply(session: AsyncSession, ticket: Any, mail: InboundMail) -> None:
    comment = await messages.add_comment(
        session,
        ticket_id=ticket.id,
        direction="inbound",
        author=_sender(mail),
        body=_body(mail),
        message_id=mail.message_id,
    )
    await _link_attachments(session, ticket.id, comment.id, mail)
    await _note_blocked(session, ticket.id, mail)
    if ticket.status in REOPENED_FROM:
        # Seed: a reply to a resolved or closed ticket reopens it.
        await apply_changes(session, row=ticket, operator=None, requested={"status": "open"})
    await events.publish_comment(session, await read_ticket_by_id(session, ticket.id), comment)


async def _new_ticket(session: AsyncSession, mail: InboundMail) -> uuid.UUID:
    contact = await _contact_for(session, mail)
    body = _body(mail)
    message = FirstMessage(
        direction="inbound",
        author=_sender(mail),
        body=render_body(body.body, body.body_format),
        mail_message_id=mail.message_id,
        mail_from=mail.from_address,
        mail_automatic=mail.automatic,
    )
    created = await create_ticket(
        await driver_connection(session),
        data=TicketCreate(
            title=(mail.subject.strip() or "(no subject)")[:500],
            department_id=mail.department_id,
            contact_id=contact.id,
        ),
        actor=None,
        source=TicketSource.EMAIL,
        message=message,
        arrived_as=mail.from_name.strip() or None,
    )
    await _link_attachments(session, created.id, message.comment_id, mail)
    await _note_blocked(session, created.id, mail)
    return created.id


async def _contact_for(session: AsyncSession, mail: InboundMail) -> Any:
    """Matched by address; an unknown sender becomes a contact."""
    address = mail.from_address.strip()
    found = (
        await session.execute(select(contacts).where(func.lower(contacts.c.email) == address.lower()))
    ).first()
    if found is not None:
        return found
    first, _, last = mail.from_name.strip().partition(" ")
    contact_id = uuid.uuid4()
    await session.execute(
        insert(contacts).values(id=contact_id, email=address, first_name=first, last_name=last)
    )
    return (await session.execute(select(contacts).where(contacts.c.id == contact_id))).one()


async def _link_attachments(
    session: AsyncSession, ticket_id: uuid.UUID, comment_id: uuid.UUID, mail: InboundMail
) -> None:
    """The mail gateway already stored the bytes in the object store; the ticket lists them."""
    rows = [
        {
            "id": uuid.uuid4(),
            "ticket_id": ticket_id,
            "comment_id": comment_id,
            "name": safe_file_name(attachment.name),
            "size": attachment.size,
            "content_type": attachment.content_type or "application/octet-stream",
            "object_name": attachment.object_name,
            "origin": "email",
            "uploaded_by_name": mail.from_address,
        }
        for attachment in mail.attachments
        if attachment.object_name
    ]
    if rows:
        await session.execute(insert(attachments), rows)


async def _note_blocked(session: AsyncSession, ticket_id: uuid.UUID, mail: InboundMail) -> None:
    if not mail.blocked_attachments:
        return
    names = "\n".join(f"- {name}" for name in mail.blocked_attachments)
    note = MessageBody(
        body=f"Attachments blocked by the file extension policy and not stored:\n{names}",
        body_format="plain_text",
    )
    await messages.add_comment(
        session, ticket_id=ticket_id, direction="internal", author=(None, "system"), body=note
    )


def _sender(mail: InboundMail) -> tuple[uuid.UUID | None, str]:
    return None, mail.from_name.strip() or mail.from_address


def _body(mail: InboundMail) -> MessageBody:
    if mail.body_html.strip():
        return MessageBody(body=mail.body_html, body_format="html")
    return MessageBody(body=mail.body_text, body_format="plain_text")
