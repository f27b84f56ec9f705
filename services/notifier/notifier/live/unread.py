"""The unread counter: the open tickets an operator may see with activity that asks for their eye (the
ticket arrived, or the customer wrote) since they last had it open. What the operator did themselves
(a ticket they created) is not unread to them; a closed or deleted ticket is unread to nobody."""

from __future__ import annotations

import uuid

from sqlalchemy import func, literal, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.auth import Operator
from helpdesk_common.ticket_module import visible_departments
from notifier.live.tables import live_reads, live_tickets

# An operator who sees every department of a large helpdesk can have a great many; the badge needs
# no more than this many to say "many".
UNREAD_LIMIT = 10_000


async def unread_ticket_ids(session: AsyncSession, operator: Operator) -> set[uuid.UUID]:
    ticket = live_tickets.c
    read = live_reads.c
    query = (
        select(ticket.ticket_id)
        .select_from(
            live_tickets.outerjoin(
                live_reads, (read.ticket_id == ticket.ticket_id) & (read.operator_id == operator.id)
            )
        )
        .where(
            ticket.open,
            ticket.attention_at.is_not(None),
            or_(ticket.attention_by.is_(None), ticket.attention_by != operator.id),
            or_(read.read_up_to.is_(None), read.read_up_to < ticket.attention_at),
            visible_departments(operator, ticket.department_id),
        )
        .limit(UNREAD_LIMIT)
    )
    return set((await session.execute(query)).scalars())


async def mark_read(session: AsyncSession, operator_id: uuid.UUID, ticket_id: uuid.UUID) -> None:
    """Read up to the ticket's last activity as the notifier knows it now (never backwards)."""
    ticket = live_tickets.c
    seen = select(
        literal(operator_id, live_reads.c.operator_id.type).label("operator_id"),
        ticket.ticket_id,
        ticket.attention_at,
    ).where(ticket.ticket_id == ticket_id, ticket.attention_at.is_not(None))
    new = insert(live_reads).from_select(["operator_id", "ticket_id", "read_up_to"], seen)
    await session.execute(
        new.on_conflict_do_update(
            index_elements=["operator_id", "ticket_id"],
            set_={"read_up_to": func.greatest(live_reads.c.read_up_to, new.excluded.read_up_to)},
        )
    )


async def ticket_department(session: AsyncSession, ticket_id: uuid.UUID) -> tuple[bool, uuid.UUID | None]:
    """(known, its department): whether the ticket stream told of this ticket, and where it is now."""
    row = (
        await session.execute(
            select(live_tickets.c.department_id).where(live_tickets.c.ticket_id == ticket_id)
        )
    ).first()
    return (row is not None, row.department_id if row is not None else None)
