"""The SLA engine's definitions as itsm keeps them: the ones an incident may carry, newest by the
event's time, a removed one kept as removed."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.contracts.sla import SlaDefinitionSnapshot
from itsm.tables import sla_definitions


async def sla_exists(session: AsyncSession, sla_id: uuid.UUID) -> bool:
    """Whether the SLA engine has this SLA (as far as its events have told): one an incident may carry."""
    query = select(sla_definitions.c.id).where(
        sla_definitions.c.id == sla_id, sla_definitions.c.removed.is_(False)
    )
    return (await session.execute(query)).first() is not None


async def keep_definition(
    session: AsyncSession, sla: SlaDefinitionSnapshot, *, removed: bool, at: datetime
) -> None:
    """`sla_definition_upserted` or `_removed` at `at`. An older event than the one kept changes
    nothing, so a removal is not undone by an upsert that arrives after it."""
    values = {
        "name": sla.name,
        "response_hours": sla.response_hours,
        "resolution_hours": sla.resolution_hours,
        "removed": removed,
        "changed_at": at,
    }
    statement = insert(sla_definitions).values(id=sla.id, **values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["id"],
            set_=values,
            where=sla_definitions.c.changed_at <= statement.excluded.changed_at,
        )
    )
