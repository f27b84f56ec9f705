"""The consumers that keep the operator and SLA projections, idempotent through the inbox."""

from __future__ import annotations

from sqlalchemy import delete, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.bus.consumer import EventConsumer
from helpdesk_common.bus.topology import ConsumerSpec, declare_consumer
from helpdesk_common.contracts.sla import SlaDefinitionRemoved, SlaDefinitionUpserted
from helpdesk_common.projections.operators import OperatorsProjection
from ticketing.tables.customers import customers
from ticketing.tables.projections import operators, sla_definitions

operators_projection = OperatorsProjection(
    "ticketing", operators, why="Ticketing's copy of operators (assignees, department members, search)."
)
identity_consumer = operators_projection.consumer
sla_consumer = EventConsumer(
    declare_consumer(
        ConsumerSpec(
            durable="ticketing-sla-definitions",
            stream="SLA",
            filter_subject="sla.definition.>",
            description="Ticketing's copy of SLA definitions (attached to customers).",
        )
    )
)


@sla_consumer.on(SlaDefinitionUpserted)
async def on_sla_upserted(session: AsyncSession, event: SlaDefinitionUpserted) -> None:
    sla = event.data.sla
    values = {
        "name": sla.name,
        "response_hours": sla.response_hours,
        "resolution_hours": sla.resolution_hours,
        "priority_override": sla.priority_override,
    }
    await session.execute(
        insert(sla_definitions)
        .values(id=sla.id, **values)
        .on_conflict_do_update(index_elements=["id"], set_=values)
    )


@sla_consumer.on(SlaDefinitionRemoved)
async def on_sla_removed(session: AsyncSession, event: SlaDefinitionRemoved) -> None:
    sla_id = event.data.sla.id
    await session.execute(delete(sla_definitions).where(sla_definitions.c.id == sla_id))
    # A customer keeps no SLA that no longer exists.
    await session.execute(update(customers).where(customers.c.sla_id == sla_id).values(sla_id=None))
