"""What time is booked on: tickets now (the tickets projection, ticket_events.py), an incident later on
the same entries. A ticket the operator may not see answers like one that does not exist."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.auth import Operator
from helpdesk_common.errors import NotFound
from helpdesk_common.ticket_module import may_see
from timetracking.tables import tickets

TICKET = "ticket"


class TicketNotFound(NotFound):
    pass


async def visible_ticket(
    session: AsyncSession, operator: Operator, ticket_id: uuid.UUID, *, lock: bool = False
) -> Any:
    """The ticket's row; `lock` for a write on it, so that its deletion (which removes its entries and
    timers) waits for the write, or the write sees it deleted."""
    query = select(tickets).where(tickets.c.id == ticket_id)
    if lock:
        query = query.with_for_update(read=True)
    row = (await session.execute(query)).first()
    if row is None or row.deleted or not may_see(operator, row.department_id):
        raise TicketNotFound(f"The ticket {ticket_id} does not exist.")
    return row
