"""The consumers of ticketing's ticket events: a ticket made from e-mail is answered once (ticket_created
only), and every ticket's conversation is kept for the follow-up reminder (the whole stream)."""

from __future__ import annotations

from typing import TypeAlias

from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.bus.consumer import EventConsumer
from helpdesk_common.bus.topology import ConsumerSpec, declare_consumer
from helpdesk_common.contracts.tickets import (
    AutoClosed,
    CommentAdded,
    TicketAssigned,
    TicketClosed,
    TicketCreated,
    TicketDeleted,
    TicketUpdated,
)
from mail_gateway.config import MailGatewaySettings
from mail_gateway.replies import follow_ups
from mail_gateway.replies.service import answer_new_tickets

auto_reply_consumer = EventConsumer(
    declare_consumer(
        ConsumerSpec(
            durable="mail-gateway-auto-replies",
            stream="TICKET_EVENTS",
            filter_subject="ticket.created.>",
            description="The auto-reply to each new ticket created from inbound e-mail (seed 10.10).",
        )
    )
)
_settings: MailGatewaySettings | None = None


def settings() -> MailGatewaySettings:
    global _settings
    _settings = _settings or MailGatewaySettings()
    return _settings


@auto_reply_consumer.on_batch(TicketCreated)
async def on_tickets_created(session: AsyncSession, events: list[TicketCreated]) -> None:
    from_mail = [
        (event.data.ticket, event.data.inbound) for event in events if event.data.inbound is not None
    ]
    limit = settings().mail_auto_replies_per_sender
    await answer_new_tickets(session, from_mail, per_sender_per_day=limit)


# The whole stream: NATS 2.9 has no multiple filter subjects; the SLA events have no handler here.
conversation_consumer = EventConsumer(
    declare_consumer(
        ConsumerSpec(
            durable="mail-gateway-conversations",
            stream="TICKET_EVENTS",
            filter_subject="ticket.>",
            description="Who spoke last on each ticket, for the follow-up reminder (seed 10.10).",
        )
    )
)
TicketChange: TypeAlias = TicketCreated | TicketUpdated | TicketClosed | TicketAssigned | AutoClosed


async def on_tickets_changed(session: AsyncSession, events: list[TicketChange]) -> None:
    await follow_ups.observe_many(session, [event.data.ticket for event in events])


TICKET_CHANGES: tuple[type[TicketChange], ...] = (
    TicketCreated,
    TicketUpdated,
    TicketClosed,
    TicketAssigned,
    AutoClosed,
)
for contract in TICKET_CHANGES:
    conversation_consumer.on_batch(contract)(on_tickets_changed)


@conversation_consumer.on(CommentAdded)
async def on_comment_added(session: AsyncSession, event: CommentAdded) -> None:
    comment = event.data.comment
    await follow_ups.observe(session, event.data.ticket, spoke=comment.direction, at=comment.created_at)


@conversation_consumer.on(TicketDeleted)
async def on_ticket_deleted(session: AsyncSession, event: TicketDeleted) -> None:
    await follow_ups.forget(session, event.data.ticket.id)
