"""The consumer of ticketing's ticket_created: a ticket made from e-mail is answered once."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.bus.consumer import EventConsumer
from helpdesk_common.bus.topology import ConsumerSpec, declare_consumer
from helpdesk_common.contracts.tickets import TicketCreated
from mail_gateway.config import MailGatewaySettings
from mail_gateway.replies.service import answer_new_ticket

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


@auto_reply_consumer.on(TicketCreated)
async def on_ticket_created(session: AsyncSession, event: TicketCreated) -> None:
    if event.data.inbound is None:
        return
    limit = settings().mail_auto_replies_per_sender
    await answer_new_ticket(session, event.data.ticket, event.data.inbound, per_sender_per_day=limit)
