"""The rules for labels and types: unique names (case-insensitive), hard deletes."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import Table, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.errors import NotFound
from helpdesk_common.records import ensure_unique
from ticketing.labels.schemas import LabelOut, TypeOut
from ticketing.tables.labels import labels, ticket_types

OutT = TypeVar("OutT", LabelOut, TypeOut)

KINDS: dict[type[BaseModel], tuple[Table, str]] = {
    LabelOut: (labels, "label"),
    TypeOut: (ticket_types, "type"),
}


async def create(session: AsyncSession, out: type[OutT], values: dict[str, Any]) -> OutT:
    table, _ = KINDS[out]
    await ensure_unique(
        session, table.c.name, values["name"], field="name", message=f"'{values['name']}' exists already."
    )
    record_id = uuid.uuid4()
    await session.execute(insert(table).values(id=record_id, **values))
    return await get(session, out, record_id)


async def change(
    session: AsyncSession, out: type[OutT], record_id: uuid.UUID, values: dict[str, Any]
) -> OutT:
    table, _ = KINDS[out]
    await get(session, out, record_id)
    if values.get("name") is not None:
        await ensure_unique(
            session,
            table.c.name,
            values["name"],
            field="name",
            message=f"'{values['name']}' exists already.",
            except_id=record_id,
        )
    if values:
        await session.execute(update(table).where(table.c.id == record_id).values(**values))
    return await get(session, out, record_id)


async def remove(session: AsyncSession, out: type[OutT], record_id: uuid.UUID) -> None:
    table, _ = KINDS[out]
    await get(session, out, record_id)
    await session.execute(delete(table).where(table.c.id == record_id))


async def get(session: AsyncSession, out: type[OutT], record_id: uuid.UUID) -> OutT:
    table, kind = KINDS[out]
    row = (await session.execute(select(table).where(table.c.id == record_id))).first()
    if row is None:
        raise NotFound(f"The {kind} {record_id} does not exist.")
    return out.model_validate(row, from_attributes=True)


async def list_all(session: AsyncSession, out: type[OutT]) -> list[OutT]:
    table, _ = KINDS[out]
    rows = await session.execute(select(table).order_by(func.lower(table.c.name)))
    return [out.model_validate(row, from_attributes=True) for row in rows]
