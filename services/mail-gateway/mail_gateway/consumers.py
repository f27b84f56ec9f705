"""The bus subscribers of the mail-gateway service. Each is an `EventConsumer` of a durable consumer
declared with `declare_consumer` (helpdesk_common.bus.topology), with handlers typed by the event
contract they take; each handler runs in the inbox's transaction, so a redelivered event has no
second effect."""

from __future__ import annotations

from helpdesk_common.bus.consumer import EventConsumer
from mail_gateway.projections.consumers import departments_consumer, ticket_settings_consumer
from mail_gateway.replies.consumers import auto_reply_consumer, conversation_consumer

consumers: list[EventConsumer] = [
    departments_consumer,
    ticket_settings_consumer,
    auto_reply_consumer,
    conversation_consumer,
]
