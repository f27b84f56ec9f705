"""The bus subscribers of the notifier's `consumers` role: the projections of ticketing's departments
and of the Ticket System switch (projections.py), the departments' notification e-mails
(notifications/consumers.py), and the tickets as the live updates' unread counter needs them
(live/projection.py). The ticket events that become webhook deliveries are consumed by the
webhook-worker role (deliveries/consumers.py), as the mail gateway's sender consumes its requests."""

from __future__ import annotations

from helpdesk_common.bus.consumer import EventConsumer
from notifier.live.projection import tickets_consumer as live_tickets_consumer
from notifier.notifications.consumers import notifications_consumer
from notifier.projections import departments_projection, module_switch_projection

consumers: list[EventConsumer] = [
    departments_projection.consumer,
    module_switch_projection.consumer,
    notifications_consumer,
    live_tickets_consumer,
]
