"""The bus subscribers of the timetracking service (the `consumers` role): the projections of ticketing's
departments and Ticket System switch (projections.py), of its tickets (ticket_events.py) and of ITSM's
incidents (incident_events.py). Each handler runs in the inbox's transaction, so a redelivered event has
no second effect."""

from __future__ import annotations

from helpdesk_common.bus.consumer import EventConsumer
from timetracking.incident_events import incidents_consumer
from timetracking.projections import departments_projection, module_switch_projection
from timetracking.ticket_events import tickets_consumer

consumers: list[EventConsumer] = [
    departments_projection.consumer,
    module_switch_projection.consumer,
    tickets_consumer,
    incidents_consumer,
]
