"""The rules for SLA definitions: unique names (case-insensitive), hard deletes, and an event for
every change, written to the outbox in the caller's transaction."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.contracts.sla import (
    SlaDefinitionData,
    SlaDefinitionRemoved,
    SlaDefinitionSnapshot,
    SlaDefinitionUpserted,
)
from helpdesk_common.errors import NotFound, ValidationFailed
from helpdesk_common.outbox import add_event
from helpdesk_common.records import ensure_unique
from sla_engine.definitions.schemas import SlaDefinitionCreate, SlaDefinitionOut, SlaDefinitionUpdate
from sla_engine.tables import calendars, sla_definitions

SOURCE = "sla-engine"


class SlaDefinitionNotFound(NotFound):
    pass


async def list_definitions(session: AsyncSession) -> list[SlaDefinitionOut]:
    rows = await session.execute(select(sla_definitions).order_by(func.lower(sla_definitions.c.name)))
    return [SlaDefinitionOut.model_validate(row, from_attributes=True) for row in rows]


async def read_definition(session: AsyncSession, definition_id: uuid.UUID) -> SlaDefinitionOut:
    query = select(sla_definitions).where(sla_definitions.c.id == definition_id)
    row = (await session.execute(query)).first()
    if row is None:
        raise SlaDefinitionNotFound(f"The SLA {definition_id} does not exist.")
    return SlaDefinitionOut.model_validate(row, from_attributes=True)


async def create_definition(session: AsyncSession, *, data: SlaDefinitionCreate) -> SlaDefinitionOut:
    await _ensure_unique_name(session, data.name)
    await _check_clock(session, data.model_dump())
    definition_id = uuid.uuid4()
    await session.execute(insert(sla_definitions).values(id=definition_id, **data.model_dump()))
    created = await read_definition(session, definition_id)
    await _publish(session, SlaDefinitionUpserted, created)
    return created


async def update_definition(
    session: AsyncSession, *, definition_id: uuid.UUID, data: SlaDefinitionUpdate
) -> SlaDefinitionOut:
    """Existing tickets keep their deadlines: a ticket's promise is made when it is created."""
    stored = await read_definition(session, definition_id)
    values: dict[str, Any] = data.model_dump(exclude_unset=True)
    if not values:
        return stored
    if "name" in values:
        await _ensure_unique_name(session, values["name"], except_id=definition_id)
    await _check_clock(session, {**stored.model_dump(), **values})
    await session.execute(
        update(sla_definitions)
        .where(sla_definitions.c.id == definition_id)
        .values(**values, updated_at=datetime.now(UTC))
    )
    changed = await read_definition(session, definition_id)
    await _publish(session, SlaDefinitionUpserted, changed)
    return changed


async def delete_definition(session: AsyncSession, *, definition_id: uuid.UUID) -> None:
    """Hard delete (seed 10.15). Running timers keep their deadlines, as after any other change."""
    doomed = await read_definition(session, definition_id)
    await session.execute(delete(sla_definitions).where(sla_definitions.c.id == definition_id))
    await _publish(session, SlaDefinitionRemoved, doomed)


async def _check_clock(session: AsyncSession, definition: dict[str, Any]) -> None:
    """The thresholds in order, and a calendar that exists (the database enforces both too)."""
    if definition["critical_share"] >= definition["warning_share"]:
        raise ValidationFailed(
            "critical_share",
            "The critical share must be below the warning share: "
            "less of the window is left when it turns critical.",
        )
    calendar_id = definition["calendar_id"]
    if calendar_id is not None:
        found = await session.scalar(select(calendars.c.id).where(calendars.c.id == calendar_id))
        if found is None:
            raise ValidationFailed("calendar_id", f"The calendar {calendar_id} does not exist.")


async def _ensure_unique_name(
    session: AsyncSession, name: str, *, except_id: uuid.UUID | None = None
) -> None:
    await ensure_unique(
        session,
        sla_definitions.c.name,
        name,
        field="name",
        message=f"An SLA named '{name}' exists already.",
        except_id=except_id,
    )


async def _publish(
    session: AsyncSession,
    contract: type[SlaDefinitionUpserted] | type[SlaDefinitionRemoved],
    definition: SlaDefinitionOut,
) -> None:
    snapshot = SlaDefinitionSnapshot.model_validate(definition.model_dump())
    event = contract.build(source=SOURCE, subject=str(definition.id), data=SlaDefinitionData(sla=snapshot))
    await add_event(session, event)
