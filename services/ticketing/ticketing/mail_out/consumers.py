"""The consumer of `mail.delivery.*`: each outbound comment's delivery state, applied once through the
inbox."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.bus.consumer import EventConsumer
from helpdesk_common.bus.topology import ConsumerSpec, declare_consumer
from helpdesk_common.contracts.mail import MailDeliveryChanged
from ticketing.mail_out.service import record_delivery

mail_delivery_consumer = EventConsumer(
    declare_consumer(
        ConsumerSpec(
            durable="ticketing-mail-delivery",
            stream="MAIL",
            filter_subject="mail.delivery.>",
            description="What became of outbound comments' e-mail: queued, sent, retrying, failed.",
        )
    )
)


@mail_delivery_consumer.on(MailDeliveryChanged)
async def on_mail_delivery_changed(session: AsyncSession, event: MailDeliveryChanged) -> None:
    await record_delivery(session, event.data)
