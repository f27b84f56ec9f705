"""The consumers of the SLA engine's events (stream SLA): its definitions (`sla.definition.>`), which
incidents may carry, and the deadlines it sets on incidents (`sla.incident_deadlines`). Two durables,
since NATS 2.9 has no multiple filter subjects and the tickets' deadlines are none of itsm's business.
Idempotent through the inbox."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.bus.consumer import EventConsumer
from helpdesk_common.bus.topology import ConsumerSpec, declare_consumer
from helpdesk_common.contracts.sla import SlaDefinitionRemoved, SlaDefinitionUpserted, SlaIncidentDeadlinesSet
from itsm.sla import definitions, service

sla_definitions_consumer = EventConsumer(
    declare_consumer(
        ConsumerSpec(
            durable="itsm-sla-definitions",
            stream="SLA",
            filter_subject="sla.definition.>",
            description="ITSM's copy of SLA definitions (carried by incidents, host groups, defaults).",
        )
    )
)
sla_deadlines_consumer = EventConsumer(
    declare_consumer(
        ConsumerSpec(
            durable="itsm-sla-deadlines",
            stream="SLA",
            filter_subject="sla.incident_deadlines",
            description="Incidents' SLA deadlines and outcomes from the SLA engine; a breach escalates.",
        )
    )
)


@sla_definitions_consumer.on(SlaDefinitionUpserted)
async def on_sla_upserted(session: AsyncSession, event: SlaDefinitionUpserted) -> None:
    await definitions.keep_definition(session, event.data.sla, removed=False, at=event.time)


@sla_definitions_consumer.on(SlaDefinitionRemoved)
async def on_sla_removed(session: AsyncSession, event: SlaDefinitionRemoved) -> None:
    await definitions.keep_definition(session, event.data.sla, removed=True, at=event.time)


@sla_deadlines_consumer.on(SlaIncidentDeadlinesSet)
async def on_incident_deadlines_set(session: AsyncSession, event: SlaIncidentDeadlinesSet) -> None:
    await service.apply_deadlines(session, event.data, at=event.time)


sla_consumers: list[EventConsumer] = [sla_definitions_consumer, sla_deadlines_consumer]
