"""Threading an inbound message onto its ticket (number in the subject, or a reply to a message we
sent), reopening a resolved or closed ticket, or creating a ticket with Source Email. A bounce about a
message we sent is a note on that message's ticket, never a ticket or a contact."""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.bodies import render_body
from helpdesk_common.contracts.mail import BounceReport, InboundMail
from helpdesk_common.contracts.tickets import TicketSource
from helpdesk_common.db import driver_connection
from helpdesk_common.files import safe_file_name
from helpdesk_common.outbox import wake_after_commit
from ticketing.tables.attachments import attachments
from ticketing.tables.comments import comments
from ticketing.tables.contacts import contacts
from ticketing.tables.tickets import tickets
from ticketing.tickets import events, messages
from ticketing.tickets.creation import FirstMessage, NewTicket, create_tickets
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
    return (await receive_many(session, [mail]))[0]


async def receive_many(session: AsyncSession, mails: list[InboundMail]) -> list[uuid.UUID | None]:
    """Each message in order, as `receive` would one after another; what every message needs (seen
    before? its sender's contact and tickets of the hour) is read for the whole run in a few
    statements, and the new tickets of a run are created together, since the consumer's rate is
    bound by statements per message (`make bench-mail`). A message that may concern an earlier one
    of the run (a reply, a bounce, a sender past the flood limit) first has the run's pending
    tickets written, so that it finds them."""
    known = await _Known.read(session, mails)
    pending = _NewTickets()
    landed: list[uuid.UUID | None] = []
    for mail in mails:
        if mail.message_id in known.seen:
            landed.append(None)
            continue
        known.seen.add(mail.message_id)
        if _concerns_earlier_mail(mail, known):
            await pending.create(session)
            landed.append(await _receive_one(session, mail, known))
        else:
            landed.append(await pending.add(session, mail, known))
    await pending.create(session)
    return landed


def _concerns_earlier_mail(mail: InboundMail, known: _Known) -> bool:
    count, _ = known.hour.get((mail.department_id, _address(mail)), (0, None))
    return _may_thread(mail) or count >= NEW_TICKETS_PER_SENDER_PER_HOUR


def _may_thread(mail: InboundMail) -> bool:
    """A bounce, a reply, or a ticket number in the subject: the message may land on a ticket."""
    return bool(mail.bounce or mail.in_reply_to or mail.references or NUMBER_IN_SUBJECT.search(mail.subject))


async def _receive_one(session: AsyncSession, mail: InboundMail, known: _Known) -> uuid.UUID | None:
    if mail.bounce is not None:
        return await _record_bounce(session, mail, mail.bounce)
    ticket = await _matching_ticket(session, mail) or await _flooding(session, mail, known)
    if ticket is None:
        new_tickets = _NewTickets()
        created = await new_tickets.add(session, mail, known)
        await new_tickets.create(session)
        return created
    await _reply(session, ticket, mail)
    return ticket.id


@dataclass
class _Known:
    """Read once for a run of messages and kept current while it is applied: the Message-IDs already
    on a comment, contacts by lowercased address, and per (department, sender) the e-mail tickets of
    the last hour (how many, and the newest)."""

    seen: set[str]
    contacts: dict[str, Any]
    hour: dict[tuple[uuid.UUID | None, str], tuple[int, uuid.UUID]]

    @classmethod
    async def read(cls, session: AsyncSession, mails: list[InboundMail]) -> _Known:
        message_ids = [mail.message_id for mail in mails]
        on_comments = select(comments.c.message_id).where(comments.c.message_id.in_(message_ids))
        seen = set((await session.execute(on_comments)).scalars().all())
        await _add_new_senders(session, [mail for mail in mails if mail.message_id not in seen])
        addresses = list({_address(mail) for mail in mails})
        found = await session.execute(select(contacts).where(func.lower(contacts.c.email).in_(addresses)))
        return cls(
            seen=seen,
            contacts={row.email.lower(): row for row in found},
            hour=await _tickets_of_the_hour(session, addresses, mails),
        )

    def opened(self, mail: InboundMail, ticket_id: uuid.UUID) -> None:
        key = (mail.department_id, _address(mail))
        count, _ = self.hour.get(key, (0, ticket_id))
        self.hour[key] = (count + 1, ticket_id)


def _address(mail: InboundMail) -> str:
    return mail.from_address.strip().lower()


async def _add_new_senders(session: AsyncSession, mails: list[InboundMail]) -> None:
    """A contact for each sender of a message that can only open a ticket (no ticket number in its
    subject, no thread, no bounce), in one statement; other messages get theirs only if they do."""
    rows: dict[str, dict[str, Any]] = {}
    for mail in mails:
        if _may_thread(mail):
            continue
        rows.setdefault(_address(mail), _contact_row(mail))
    if rows:
        # A contact another replica (or an administrator) just added is kept as it is.
        await session.execute(pg_insert(contacts).on_conflict_do_nothing(), list(rows.values()))


def _contact_row(mail: InboundMail) -> dict[str, Any]:
    first, _, last = mail.from_name.strip().partition(" ")
    return {"id": uuid.uuid4(), "email": mail.from_address.strip(), "first_name": first, "last_name": last}


async def _tickets_of_the_hour(
    session: AsyncSession, addresses: list[str], mails: list[InboundMail]
) -> dict[tuple[uuid.UUID | None, str], tuple[int, uuid.UUID]]:
    sender = func.lower(contacts.c.email)
    newest = func.array_agg(aggregate_order_by(tickets.c.id, tickets.c.created_at.desc()))
    rows = await session.execute(
        select(tickets.c.department_id, sender.label("address"), func.count(), newest[1])
        .join(contacts, contacts.c.id == tickets.c.contact_id)
        .where(
            sender.in_(addresses),
            tickets.c.department_id.in_({mail.department_id for mail in mails}),
            tickets.c.source == TicketSource.EMAIL.value,
            tickets.c.created_at > func.now() - text("interval '1 hour'"),
        )
        .group_by(tickets.c.department_id, sender)
    )
    return {(row[0], row[1]): (row[2], row[3]) for row in rows}


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


async def _flooding(session: AsyncSession, mail: InboundMail, known: _Known) -> Any:
    """The sender's newest ticket in the department when they have opened the hour's limit of them."""
    count, newest = known.hour.get((mail.department_id, _address(mail)), (0, None))
    if newest is None or count < NEW_TICKETS_PER_SENDER_PER_HOUR:
        return None
    ticket = (await session.execute(select(tickets).where(tickets.c.id == newest).with_for_update())).first()
    if ticket is not None:
        log.warning(
            "%s opened %d tickets from e-mail within the hour; %s goes onto %s",
            mail.from_address,
            count,
            mail.message_id,
            ticket.number,
        )
    return ticket


async def _reply(session: AsyncSession, ticket: Any, mail: InboundMail) -> None:
    comment = await messages.add_comment(
        session,
        ticket_id=ticket.id,
        direction="inbound",
        author=_sender(mail),
        body=_body(mail),
        message_id=mail.message_id,
    )
    await _link_attachments(session, [(ticket.id, comment.id, mail)])
    await _note_blocked(session, ticket.id, mail)
    if ticket.status in REOPENED_FROM:
        # Seed: a reply to a resolved or closed ticket reopens it.
        await apply_changes(session, row=ticket, operator=None, requested={"status": "open"})
    await events.publish_comment(session, await read_ticket_by_id(session, ticket.id), comment)


class _NewTickets:
    """New tickets from e-mail gathered while a run is applied and created in one `create_tickets`,
    with their attachments and blocked-attachment notes."""

    def __init__(self) -> None:
        self.wanted: list[tuple[NewTicket, InboundMail]] = []

    async def add(self, session: AsyncSession, mail: InboundMail, known: _Known) -> uuid.UUID:
        contact = known.contacts.get(_address(mail)) or await _contact_for(session, mail, known)
        body = _body(mail)
        message = FirstMessage(
            direction="inbound",
            author=_sender(mail),
            body=render_body(body.body, body.body_format),
            mail_message_id=mail.message_id,
            mail_from=mail.from_address,
            mail_automatic=mail.automatic,
        )
        asked = NewTicket(
            data=TicketCreate(
                title=(mail.subject.strip() or "(no subject)")[:500],
                department_id=mail.department_id,
                contact_id=contact.id,
            ),
            source=TicketSource.EMAIL,
            message=message,
            arrived_as=mail.from_name.strip() or None,
        )
        self.wanted.append((asked, mail))
        known.opened(mail, asked.ticket_id)
        return asked.ticket_id

    async def create(self, session: AsyncSession) -> None:
        if not self.wanted:
            return
        wanted, self.wanted = self.wanted, []
        await create_tickets(await driver_connection(session), [asked for asked, _ in wanted])
        wake_after_commit(session)
        await _link_attachments(
            session,
            [(asked.ticket_id, asked.message.comment_id, mail) for asked, mail in wanted if asked.message],
        )
        for asked, mail in wanted:
            await _note_blocked(session, asked.ticket_id, mail)


async def _contact_for(session: AsyncSession, mail: InboundMail, known: _Known) -> Any:
    """An unknown sender becomes a contact (most already did in `_add_new_senders`)."""
    row = _contact_row(mail)
    await session.execute(pg_insert(contacts).values(row).on_conflict_do_nothing())
    contact = (
        await session.execute(select(contacts).where(func.lower(contacts.c.email) == _address(mail)))
    ).one()
    known.contacts[_address(mail)] = contact
    return contact


async def _link_attachments(
    session: AsyncSession, landed: list[tuple[uuid.UUID, uuid.UUID, InboundMail]]
) -> None:
    """The mail gateway already stored the bytes in the object store; each ticket lists its message's
    (`landed`: ticket, comment, message)."""
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
        for ticket_id, comment_id, mail in landed
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
