"""The consumer of the incident events (ITSM): every event keeps the incident's SLA timer.
Idempotent through the inbox. The incidents from before it existed come from itsm's incident states
(bootstrap.py), each through the same `observe_incident`."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.bus.consumer import EventConsumer
from helpdesk_common.bus.topology import ConsumerSpec, declare_consumer
from helpdesk_common.contracts.envelope import EventEnvelope
from helpdesk_common.contracts.itsm import INCIDENT_EVENTS, IncidentChangeData
from sla_engine.incidents.service import observe_incident

incident_events_consumer = EventConsumer(
    declare_consumer(
        ConsumerSpec(
            durable="sla-engine-incidents",
            stream="ITSM",
            filter_subject="itsm.incident.>",
            description="SLA timers per incident: deadlines, acknowledgement, resolution, reopening.",
            # The incidents before it came into being come from itsm's states (bootstrap.py).
            deliver_new=True,
        )
    )
)


async def on_incident_changed(session: AsyncSession, event: EventEnvelope[IncidentChangeData]) -> None:
    await observe_incident(session, event.data.incident)


for contract in INCIDENT_EVENTS:
    incident_events_consumer.on(contract)(on_incident_changed)
