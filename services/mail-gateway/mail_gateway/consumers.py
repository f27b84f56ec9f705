"""The bus subscribers of the mail-gateway service: none yet. Each is an `EventConsumer` of a durable
consumer declared with `declare_consumer` (helpdesk_common.bus.topology), with handlers typed by the
event contract they take; each handler runs in the inbox's transaction, so a redelivered event has
no second effect (sla_engine/projections.py is a small one)."""

from __future__ import annotations

from helpdesk_common.bus.consumer import EventConsumer

consumers: list[EventConsumer] = []
