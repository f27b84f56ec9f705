"""The consumers that keep the operator and SLA projections, idempotent through the inbox."""

from __future__ import annotations

from sqlalchemy import delete, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.bus.consumer import EventConsumer
from helpdesk_common.bus.topology import ConsumerSpec, declare_consumer
from helpdesk_common.contracts.identity import OperatorRemoved, OperatorUpserted
from helpdesk_common.contracts.sla import SlaDefinitionRemoved, SlaDefinitionUpserted
from ticketing.tables.customers import customers
from ticketing.tables.projections import operators, sla_definitions

identity_consumer = EventConsumer(
    declare_consumer(
        ConsumerSpec(
            durable="ticketing-identity",
            stream="IDENTITY",
            filter_subject="identity.operator.>",
            description="Ticketing's copy of operators (assignees, department members, search).",
        )
    )
)
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


@identity_consumer.on(OperatorUpserted)
async def on_operator_upserted(session: AsyncSession, event: OperatorUpserted) -> None:
    operator = event.data.operator
    values = {
        "username": operator.username,
        "email": operator.email,
        "display_name": operator.display_name,
        "active": operator.active,
        "default_department_id": operator.default_department_id,
    }
    await session.execute(
        insert(operators)
        .values(id=operator.id, **values)
        .on_conflict_do_update(index_elements=["id"], set_=values)
    )


@identity_consumer.on(OperatorRemoved)
async def on_operator_removed(session: AsyncSession, event: OperatorRemoved) -> None:
    await session.execute(delete(operators).where(operators.c.id == event.data.operator.id))


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
