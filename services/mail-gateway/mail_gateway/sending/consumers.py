"""The consumer of `mail.outbound.*`: one durable shared by every sender process, so the requests are
a work queue. Each request becomes a queued row in the inbox's transaction; the sender loop
(sender.py) does the talking to SMTP, outside any consumer's ack deadline."""

from __future__ import annotations

import asyncio

from sqlalchemy import event as sqlalchemy_event
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.bus.consumer import EventConsumer
from helpdesk_common.bus.topology import ConsumerSpec, declare_consumer
from helpdesk_common.contracts.mail import MailOutboundRequested
from mail_gateway.sending.service import queue

outbound_consumer = EventConsumer(
    declare_consumer(
        ConsumerSpec(
            durable="mail-gateway-outbound",
            stream="MAIL",
            filter_subject="mail.outbound.>",
            description="Messages to send through a department's SMTP server (the sender role).",
        )
    )
)

# Set once a queued message is committed, so a sender loop in this process starts at once rather
# than at its next poll.
queued = asyncio.Event()


@outbound_consumer.on(MailOutboundRequested)
async def on_mail_outbound_requested(session: AsyncSession, event: MailOutboundRequested) -> None:
    if await queue(session, event.data):
        sqlalchemy_event.listen(session.sync_session, "after_commit", lambda _: queued.set(), once=True)
