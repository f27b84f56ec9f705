"""The consumer of the ticket events (TICKET_EVENTS): every event keeps the ticket's timer, an
outbound comment stops its response clock. Idempotent through the inbox."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.bus.consumer import EventConsumer
from helpdesk_common.bus.topology import ConsumerSpec, declare_consumer
from helpdesk_common.contracts.tickets import (
    AutoClosed,
    CommentAdded,
    CommentDirection,
    TicketAssigned,
    TicketClosed,
    TicketCreated,
    TicketDeleted,
    TicketUpdated,
)
from sla_engine.timers.service import forget_ticket, observe_ticket

# The whole stream: NATS 2.9 has no multiple filter subjects. sla_warning and sla_breached (the
# engine's own) have no handler and are acknowledged without effect.
ticket_events_consumer = EventConsumer(
    declare_consumer(
        ConsumerSpec(
            durable="sla-engine-tickets",
            stream="TICKET_EVENTS",
            filter_subject="ticket.>",
            description="SLA timers per ticket: deadlines, first response, resolution, reopening.",
            # The tickets before it came into being come from ticketing's states (timers/bootstrap.py).
            deliver_new=True,
        )
    )
)

TicketChange = TicketCreated | TicketUpdated | TicketClosed | TicketAssigned | AutoClosed
TICKET_CHANGES: tuple[type[TicketChange], ...] = (
    TicketCreated,
    TicketUpdated,
    TicketClosed,
    TicketAssigned,
    AutoClosed,
)


async def on_ticket_changed(session: AsyncSession, event: TicketChange) -> None:
    await observe_ticket(session, event.data.ticket)


for contract in TICKET_CHANGES:
    ticket_events_consumer.on(contract)(on_ticket_changed)


@ticket_events_consumer.on(CommentAdded)
async def on_comment_added(session: AsyncSession, event: CommentAdded) -> None:
    comment = event.data.comment
    # Seed 10.15: the response time runs to the first outbound response to the customer.
    responded_at = comment.created_at if comment.direction == CommentDirection.OUTBOUND else None
    await observe_ticket(session, event.data.ticket, responded_at=responded_at)


@ticket_events_consumer.on(TicketDeleted)
async def on_ticket_deleted(session: AsyncSession, event: TicketDeleted) -> None:
    await forget_ticket(session, event.data.ticket, event.time)
