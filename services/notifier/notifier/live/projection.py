"""The consumer that keeps `live_tickets` from the ticket stream, through the inbox: each ticket's
department and whether it is open (newest by the event's time, as events of one ticket may arrive out
of order), and the last activity that asks for an operator's eye, which only moves forward. The
tickets from before the consumer existed come from ticketing's ticket states (bootstrap.py), each
snapshot under the same rule, timed by its `updated_at`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, literal
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.bus.consumer import EventConsumer
from helpdesk_common.bus.topology import ConsumerSpec, declare_consumer
from helpdesk_common.contracts.ticket_states import TicketState
from helpdesk_common.contracts.tickets import (
    TICKET_EVENTS,
    CommentAdded,
    CommentDirection,
    TicketCreated,
    TicketDeleted,
    TicketSnapshot,
    TicketStatus,
)
from notifier.live.tables import live_tickets

tickets_consumer = EventConsumer(
    declare_consumer(
        ConsumerSpec(
            durable="notifier-live-tickets",
            stream="TICKET_EVENTS",
            filter_subject="ticket.>",
            description="Tickets' departments and their last customer activity, for the unread counter.",
        )
    )
)


def attention_of(event: Any) -> tuple[datetime, uuid.UUID | None] | None:
    """When the event asks for an operator's eye, and who caused it (None: the customer): a new
    ticket, or an inbound e-mail on one. Replies and internal notes of operators do not."""
    if isinstance(event, TicketCreated):
        return event.time, event.data.ticket.created_by_id or event.data.actor_id
    if isinstance(event, CommentAdded) and event.data.comment.direction == CommentDirection.INBOUND:
        return event.time, None
    return None


async def apply_ticket_event(session: AsyncSession, event: Any) -> None:
    deleted = isinstance(event, TicketDeleted)
    await _keep(session, event.data.ticket, event.time, attention_of(event), deleted=deleted)


async def apply_ticket_state(session: AsyncSession, state: TicketState) -> None:
    """A ticket as it is now: its department and whether it is open. When it last asked for an
    operator's eye is not in the snapshot, and nobody's reads of it are known either, so it is unread
    to nobody until something new asks; an attention already seen stays."""
    await _keep(session, state.ticket, state.ticket.updated_at, None, deleted=False)


async def _keep(
    session: AsyncSession,
    ticket: TicketSnapshot,
    changed_at: datetime,
    attention: tuple[datetime, uuid.UUID | None] | None,
    *,
    deleted: bool,
) -> None:
    is_open = ticket.status != TicketStatus.CLOSED and not deleted
    attention_at, attention_by = attention if attention else (None, None)
    row = live_tickets.c
    new = insert(live_tickets).values(
        ticket_id=ticket.id,
        department_id=ticket.department_id,
        open=is_open,
        attention_at=attention_at,
        attention_by=attention_by,
        changed_at=changed_at,
    )
    newer = row.changed_at <= new.excluded.changed_at
    later_attention = new.excluded.attention_at.is_not(None) & (
        row.attention_at.is_(None) | (new.excluded.attention_at > row.attention_at)
    )
    await session.execute(
        new.on_conflict_do_update(
            index_elements=["ticket_id"],
            set_={
                "department_id": case((newer, new.excluded.department_id), else_=row.department_id),
                # A deletion closes it for good, even when it is not the newest event seen.
                "open": literal(False) if deleted else case((newer, new.excluded.open), else_=row.open),
                "changed_at": func.greatest(row.changed_at, new.excluded.changed_at),
                "attention_at": func.greatest(row.attention_at, new.excluded.attention_at),
                "attention_by": case((later_attention, new.excluded.attention_by), else_=row.attention_by),
            },
        )
    )


for _contract in TICKET_EVENTS:
    tickets_consumer.on(_contract)(apply_ticket_event)
