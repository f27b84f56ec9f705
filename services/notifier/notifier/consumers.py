"""The bus subscribers of the notifier's `consumers` role: the projections of ticketing's departments,
of the Ticket System switch and of the gateway's operators (projections.py), the departments' and the
incidents' notification e-mails (notifications/consumers.py), and the tickets as the live updates'
unread counter needs them (live/projection.py). The ticket and incident events that become webhook
deliveries are consumed by the webhook-worker role (deliveries/consumers.py), as the mail gateway's
sender consumes its requests."""

from __future__ import annotations

from helpdesk_common.bus.consumer import EventConsumer
from notifier.live.projection import tickets_consumer as live_tickets_consumer
from notifier.notifications.consumers import incident_notifications_consumer, notifications_consumer
from notifier.projections import departments_projection, module_switch_projection, operators_projection

consumers: list[EventConsumer] = [
    departments_projection.consumer,
    module_switch_projection.consumer,
    operators_projection.consumer,
    notifications_consumer,
    incident_notifications_consumer,
    live_tickets_consumer,
]
