"""The gateway's operators as another service keeps them (id, username, e-mail, display name, active,
default department), from `identity.operator.>` through the inbox: who a record may be assigned to,
and the name it is shown with. An upsert carries the whole operator and replaces the row.

A service declares the table in its metadata (`operators_table`), creates it in a migration, and runs
the consumer of `OperatorsProjection`.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Boolean, Column, MetaData, Table, Text, delete, select
from sqlalchemy.dialects.postgresql import UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.bus.consumer import EventConsumer
from helpdesk_common.bus.topology import ConsumerSpec, declare_consumer
from helpdesk_common.contracts.identity import OperatorRemoved, OperatorUpserted


def operators_table(metadata: MetaData) -> Table:
    return Table(
        "operators",
        metadata,
        Column("id", UUID(as_uuid=True), primary_key=True),
        Column("username", Text, nullable=False),
        Column("email", Text, nullable=False),
        Column("display_name", Text, nullable=False),
        Column("active", Boolean, nullable=False),
        Column("default_department_id", UUID(as_uuid=True)),
    )


class OperatorsProjection:
    """`service`: the consumer's durable is `<service>-identity`."""

    def __init__(self, service: str, table: Table, *, why: str) -> None:
        self.table = table
        self.consumer = EventConsumer(
            declare_consumer(
                ConsumerSpec(
                    durable=f"{service}-identity",
                    stream="IDENTITY",
                    filter_subject="identity.operator.>",
                    description=why,
                )
            )
        )
        self.consumer.on(OperatorUpserted)(self.upserted)
        self.consumer.on(OperatorRemoved)(self.removed)

    async def upserted(self, session: AsyncSession, event: OperatorUpserted) -> None:
        operator = event.data.operator
        values = {
            "username": operator.username,
            "email": operator.email,
            "display_name": operator.display_name,
            "active": operator.active,
            "default_department_id": operator.default_department_id,
        }
        await session.execute(
            insert(self.table)
            .values(id=operator.id, **values)
            .on_conflict_do_update(index_elements=["id"], set_=values)
        )

    async def removed(self, session: AsyncSession, event: OperatorRemoved) -> None:
        await session.execute(delete(self.table).where(self.table.c.id == event.data.operator.id))

    async def find(self, session: AsyncSession, operator_id: uuid.UUID) -> Any | None:
        """The operator's row, or None for one the gateway never announced or has removed."""
        query = select(self.table).where(self.table.c.id == operator_id)
        return (await session.execute(query)).first()
