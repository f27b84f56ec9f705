"""Ticketing's departments as another service keeps them: one row per department (name, enabled,
when it last changed, and a tombstone once removed), kept from `ticketing.department.>` through the
inbox. Events of one department may arrive out of order (several consumer processes, a
redelivery): each write keeps the newest by the event's time, and a removed department stays
removed, so a late `department_changed` cannot bring it back. The departments from before the stream's
two weeks come from ticketing's department states (records_bootstrap.py), each under the same rule by
the time it last changed, so a state read before a newer event changes nothing.

A service declares the table in its metadata (`departments_table`), creates it in a migration, and
runs the consumer of `DepartmentsProjection`; a hook lets it drop what belonged to a removed
department in the same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy import Boolean, Column, DateTime, MetaData, Table, Text, func, select
from sqlalchemy.dialects.postgresql import UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.bus.consumer import EventConsumer
from helpdesk_common.bus.topology import ConsumerSpec, declare_consumer
from helpdesk_common.contracts.ticket_states import DepartmentState
from helpdesk_common.contracts.ticketing import DepartmentChanged, DepartmentRemoved, DepartmentSnapshot
from helpdesk_common.errors import NotFound

RemovedHook = Callable[[AsyncSession, uuid.UUID], Awaitable[None]]


class DepartmentUnknown(NotFound):
    pass


def departments_table(metadata: MetaData) -> Table:
    return Table(
        "departments",
        metadata,
        Column("id", UUID(as_uuid=True), primary_key=True),
        Column("name", Text, nullable=False),
        Column("enabled", Boolean, nullable=False),
        Column("changed_at", DateTime(timezone=True), nullable=False),
        Column("removed_at", DateTime(timezone=True)),
    )


class DepartmentsProjection:
    """`service`: the consumer's durable is `<service>-departments`; `removed`: what else goes with a
    removed department (the mail gateway's mailbox and its secrets)."""

    def __init__(self, service: str, table: Table, *, why: str, removed: RemovedHook | None = None) -> None:
        self.table = table
        self._removed = removed
        self.consumer = EventConsumer(
            declare_consumer(
                ConsumerSpec(
                    durable=f"{service}-departments",
                    stream="TICKETING",
                    filter_subject="ticketing.department.>",
                    description=why,
                )
            )
        )
        self.consumer.on(DepartmentChanged)(self.changed)
        self.consumer.on(DepartmentRemoved)(self.removed)

    async def changed(self, session: AsyncSession, event: DepartmentChanged) -> None:
        await self._keep(session, event.data.department, event.time)

    async def apply_state(self, session: AsyncSession, state: DepartmentState) -> None:
        """A department as ticketing has it now, under the events' rule."""
        await self._keep(session, state.department, state.changed_at)

    async def _keep(self, session: AsyncSession, department: DepartmentSnapshot, time: datetime) -> None:
        table = self.table
        values = {"name": department.name, "enabled": department.enabled, "changed_at": time}
        newer = (table.c.changed_at <= time) & table.c.removed_at.is_(None)
        await session.execute(
            insert(table)
            .values(id=department.id, **values)
            .on_conflict_do_update(index_elements=["id"], set_=values, where=newer)
        )

    async def removed(self, session: AsyncSession, event: DepartmentRemoved) -> None:
        table = self.table
        department = event.data.department
        tombstone = {"removed_at": event.time, "changed_at": func.greatest(table.c.changed_at, event.time)}
        await session.execute(
            insert(table)
            .values(
                id=department.id,
                name=department.name,
                enabled=False,
                changed_at=event.time,
                removed_at=event.time,
            )
            .on_conflict_do_update(index_elements=["id"], set_=tombstone, where=table.c.removed_at.is_(None))
        )
        if self._removed is not None:
            await self._removed(session, department.id)

    async def ensure_known(self, session: AsyncSession, department_id: uuid.UUID) -> None:
        """404 for a department ticketing never announced or has removed."""
        query = select(self.table.c.id).where(
            self.table.c.id == department_id, self.table.c.removed_at.is_(None)
        )
        if (await session.execute(query)).first() is None:
            raise DepartmentUnknown(f"The department {department_id} does not exist.")
