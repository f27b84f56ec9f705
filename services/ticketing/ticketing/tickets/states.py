"""The tickets as they are now, a page at a time in id order, for a service learning them without
replaying the ticket events (helpdesk_common/contracts/ticket_states.py): those of the request's scope
(every ticket under an SLA that is not closed unless it asks for all of them), each as the snapshot its
events carry, with its first response. Runs as the `ticket-states` role."""

from __future__ import annotations

import asyncio
import logging

from nats.aio.msg import Msg
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from helpdesk_common.contracts.ticket_states import (
    TICKET_STATES_SUBJECT,
    TicketScope,
    TicketState,
    TicketStatesPage,
    TicketStatesRequest,
)
from helpdesk_common.service import ServiceRuntime
from ticketing.tables.tickets import tickets
from ticketing.tickets.events import snapshot
from ticketing.tickets.reading import labels_of, ticket_out, ticket_query

log = logging.getLogger(__name__)
QUEUE_GROUP = "ticketing-ticket-states"


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


async def serve_ticket_states(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    assert runtime.bus is not None
    sessions = runtime.session_factory

    async def answer(message: Msg) -> None:
        await message.respond((await _page_for(sessions, message.data)).model_dump_json().encode())

    subscription = await runtime.bus.subscribe(TICKET_STATES_SUBJECT, queue=QUEUE_GROUP, cb=answer)
    try:
        await stop.wait()
    finally:
        await subscription.unsubscribe()


async def _page_for(sessions: async_sessionmaker[AsyncSession], data: bytes) -> TicketStatesPage:
    try:
        request = TicketStatesRequest.model_validate_json(data or b"{}")
    except ValidationError as refused:
        return TicketStatesPage(error=f"The request could not be read: {refused.errors()[0]['msg']}")
    async with sessions() as session:
        return await ticket_states_page(session, request)
