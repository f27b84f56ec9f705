"""The follow-up reminder (seed 10.10): once per ticket, when the customer has been silent for the
department's days since our last outbound reply, and the ticket is still open, in progress or waiting.
The conversation is kept from ticketing's events (`observe`); the sweep (the `jobs` role) claims due
tickets with FOR UPDATE SKIP LOCKED, so replicas never remind twice, and marks each reminded in the
transaction that writes the reminder to the outbox."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import case, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from helpdesk_common.contracts.mail import MailOutboundRequested, OutboundMail
from helpdesk_common.contracts.tickets import CommentDirection, TicketSnapshot
from helpdesk_common.outbox import add_event
from helpdesk_common.periodic import every
from helpdesk_common.service import ServiceRuntime
from mail_gateway.replies.service import SOURCE, domain_of, filled_body, filled_subject
from mail_gateway.tables.mailboxes import mailboxes
from mail_gateway.tables.replies import follow_ups

log = logging.getLogger(__name__)
# A reminder asks the customer about a ticket that still waits on them.
WAITING_ON_THE_CUSTOMER = ("open", "in_progress", "waiting")
SWEEP_SECONDS = 60.0
SPOKEN = {CommentDirection.OUTBOUND: "last_outbound_at", CommentDirection.INBOUND: "last_inbound_at"}


async def observe(
    session: AsyncSession,
    ticket: TicketSnapshot,
    *,
    spoke: CommentDirection | None = None,
    at: datetime | None = None,
) -> None:
    """The ticket as its newest event describes it (an older one changes nothing), and for a comment
    who spoke (`spoke`) and when (`at`)."""
    spoken = {SPOKEN[spoke]: at} if spoke in SPOKEN and at is not None else {}
    await _upsert(session, [{**_described(ticket), **spoken}], spoken=tuple(spoken))


async def observe_many(session: AsyncSession, tickets: list[TicketSnapshot]) -> None:
    """Several tickets' changes in one statement (`make bench-mail`); of one ticket's several, the newest."""
    newest: dict[Any, TicketSnapshot] = {}
    for ticket in tickets:
        known = newest.get(ticket.id)
        if known is None or known.updated_at <= ticket.updated_at:
            newest[ticket.id] = ticket
    await _upsert(session, [_described(ticket) for ticket in newest.values()], spoken=())


def _described(ticket: TicketSnapshot) -> dict[str, Any]:
    return {
        "ticket_id": ticket.id,
        "department_id": ticket.department_id,
        "number": ticket.number,
        "title": ticket.title,
        "status": ticket.status.value,
        "contact_email": ticket.contact_email,
        "ticket_updated_at": ticket.updated_at,
    }


_DESCRIBED = ("department_id", "number", "title", "status", "contact_email", "ticket_updated_at")


async def _upsert(session: AsyncSession, rows: list[dict[str, Any]], *, spoken: tuple[str, ...]) -> None:
    # Rows as parameters, not as VALUES in the statement: one compiled statement for every run size.
    statement = insert(follow_ups)
    newer = follow_ups.c.ticket_updated_at <= statement.excluded.ticket_updated_at
    changes: dict[str, Any] = {
        name: case((newer, statement.excluded[name]), else_=follow_ups.c[name]) for name in _DESCRIBED
    }
    for column in spoken:
        # PostgreSQL's greatest() passes over a null: the first message of either side counts.
        changes[column] = func.greatest(follow_ups.c[column], statement.excluded[column])
    await session.execute(statement.on_conflict_do_update(index_elements=["ticket_id"], set_=changes), rows)


async def forget(session: AsyncSession, ticket_id: Any) -> None:
    await session.execute(delete(follow_ups).where(follow_ups.c.ticket_id == ticket_id))


async def remind_due(
    sessions: async_sessionmaker[AsyncSession], *, now: datetime | None = None, batch_size: int = 100
) -> int:
    """Reminders for every ticket due now, in batches that commit on their own; how many were sent."""
    now = now or datetime.now(UTC)
    sent = 0
    while True:
        async with sessions() as session, session.begin():
            due = (await session.execute(_due(now, batch_size))).all()
            for row in due:
                await add_event(session, _reminder(row))
            if due:
                await session.execute(
                    update(follow_ups)
                    .where(follow_ups.c.ticket_id.in_([row.ticket_id for row in due]))
                    .values(reminded_at=now)
                )
        sent += len(due)
        if len(due) < batch_size:
            return sent


def _due(now: datetime, batch_size: int) -> Any:
    silent_since = now - func.make_interval(0, 0, 0, mailboxes.c.follow_up_after_days)
    return (
        select(
            follow_ups,
            mailboxes.c.from_address,
            mailboxes.c.follow_up_subject,
            mailboxes.c.follow_up_body_html,
        )
        .join(mailboxes, mailboxes.c.department_id == follow_ups.c.department_id)
        .where(
            mailboxes.c.follow_up_enabled,
            mailboxes.c.from_address != "",
            follow_ups.c.reminded_at.is_(None),
            follow_ups.c.contact_email.is_not(None),
            follow_ups.c.status.in_(WAITING_ON_THE_CUSTOMER),
            follow_ups.c.last_outbound_at.is_not(None),
            follow_ups.c.last_outbound_at <= silent_since,
            or_(
                follow_ups.c.last_inbound_at.is_(None),
                follow_ups.c.last_inbound_at < follow_ups.c.last_outbound_at,
            ),
        )
        .order_by(follow_ups.c.last_outbound_at)
        .limit(batch_size)
        .with_for_update(of=follow_ups, skip_locked=True)
    )


def _reminder(row: Any) -> MailOutboundRequested:
    values = {"ticket_number": row.number, "subject": row.title}
    subject = filled_subject(row.follow_up_subject, values) or f"Any news on {row.title}?"
    body = filled_body(row.follow_up_body_html, values)
    mail = OutboundMail(
        department_id=row.department_id,
        ticket_id=row.ticket_id,
        ticket_number=row.number,
        to=[row.contact_email],
        # The number in the subject threads the customer's answer onto the ticket.
        subject=subject if row.number in subject else f"[{row.number}] {subject}",
        body_text=body.text,
        body_html=body.html,
        message_id=f"<follow-up.{row.ticket_id}@{domain_of(row.from_address)}>",
        automatic=True,
    )
    return MailOutboundRequested.build(source=SOURCE, subject=str(row.ticket_id), data=mail)


async def follow_up_job(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    async def sweep() -> None:
        sent = await remind_due(runtime.session_factory)
        if sent:
            log.info("follow-up reminders: %d sent", sent)

    await every(SWEEP_SECONDS, stop, sweep, what="the follow-up reminders")
