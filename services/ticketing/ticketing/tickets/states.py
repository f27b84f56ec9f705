"""The tickets as they are now, a page at a time in id order, for a service learning them without
replaying the ticket events (helpdesk_common/contracts/ticket_states.py): those of the request's scope
(every ticket under an SLA that is not closed unless it asks for all of them), each as the snapshot its
events carry, with its first response. Answered by the `ticket-states` role (ticketing/states.py)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.contracts.ticket_states import (
    TicketScope,
    TicketState,
    TicketStatesPage,
    TicketStatesRequest,
)
from ticketing.tables.tickets import tickets
from ticketing.tickets.events import snapshot
from ticketing.tickets.reading import labels_of, ticket_out, ticket_query


async def ticket_states_page(session: AsyncSession, request: TicketStatesRequest) -> TicketStatesPage:
    query = ticket_query()
    if request.scope == TicketScope.OPEN_UNDER_SLA:
        query = query.where(tickets.c.sla_id.isnot(None), tickets.c.status != "closed")
    if request.after is not None:
        query = query.where(tickets.c.id > request.after)
    rows = (await session.execute(query.order_by(tickets.c.id).limit(request.limit))).all()
    labels = await labels_of(session, [row.id for row in rows])
    states = [
        TicketState(ticket=snapshot(ticket_out(row, labels)), first_response_at=row.first_response_at)
        for row in rows
    ]
    full = len(rows) == request.limit
    return TicketStatesPage(states=states, next_after=rows[-1].id if full else None)
