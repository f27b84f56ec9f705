"""The consumer of `mail.inbound.*`: every inbound message, applied once through the inbox."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.bus.consumer import EventConsumer
from helpdesk_common.bus.topology import ConsumerSpec, declare_consumer
from helpdesk_common.contracts.mail import MailInboundReceived
from ticketing.mail_in.service import receive_many

mail_in_consumer = EventConsumer(
    declare_consumer(
        ConsumerSpec(
            durable="ticketing-mail-inbound",
            stream="MAIL",
            filter_subject="mail.inbound.>",
            description="Inbound e-mail: replies on tickets, new tickets with Source Email.",
        )
    )
)


@mail_in_consumer.on_batch(MailInboundReceived)
async def on_mail_inbound(session: AsyncSession, events: list[MailInboundReceived]) -> None:
    await receive_many(session, [event.data for event in events])
