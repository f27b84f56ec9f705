"""The gateway's copy of department membership (published by ticketing), for the token's departments."""

from __future__ import annotations

from sqlalchemy import delete, insert
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.tables import department_memberships
from helpdesk_common.bus.consumer import EventConsumer
from helpdesk_common.bus.topology import ConsumerSpec, declare_consumer
from helpdesk_common.contracts.ticketing import DepartmentChanged, DepartmentRemoved

memberships_consumer = EventConsumer(
    declare_consumer(
        ConsumerSpec(
            durable="gateway-departments",
            stream="TICKETING",
            filter_subject="ticketing.department.>",
            description="Department members, for the departments claim of the internal token.",
        )
    )
)


@memberships_consumer.on(DepartmentChanged)
async def on_department_changed(session: AsyncSession, event: DepartmentChanged) -> None:
    department = event.data.department
    await session.execute(
        delete(department_memberships).where(department_memberships.c.department_id == department.id)
    )
    if department.member_ids:
        await session.execute(
            insert(department_memberships),
            [{"operator_id": member, "department_id": department.id} for member in department.member_ids],
        )


@memberships_consumer.on(DepartmentRemoved)
async def on_department_removed(session: AsyncSession, event: DepartmentRemoved) -> None:
    await session.execute(
        delete(department_memberships).where(
            department_memberships.c.department_id == event.data.department.id
        )
    )
