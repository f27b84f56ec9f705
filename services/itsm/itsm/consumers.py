"""The bus subscribers of the itsm service (the `consumers` role): the correlator of alerts
(alerts/correlation.py), the copies of the operators, the inventory and the SLA definitions, and the
SLA engine's deadlines on incidents (sla/consumers.py). Each handler runs in the inbox's transaction,
so a redelivered event has no second effect."""

from __future__ import annotations

from helpdesk_common.bus.consumer import EventConsumer
from helpdesk_common.projections.operators import OperatorsProjection
from itsm.alerts.correlation import alerts_consumer
from itsm.inventory.consumers import inventory_consumer
from itsm.sla.consumers import sla_consumers
from itsm.tables import operators

operators_projection = OperatorsProjection(
    "itsm", operators, why="ITSM's copy of operators (incident assignees, timeline names)."
)

consumers: list[EventConsumer] = [
    alerts_consumer,
    inventory_consumer,
    operators_projection.consumer,
    *sla_consumers,
]
