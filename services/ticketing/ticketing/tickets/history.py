"""The ticket's own audit log (seed 10.4, History): every status, assignee, field and comment change."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from ticketing.tables.tickets import ticket_history


class HistoryEntry(BaseModel):
    id: int
    actor_id: uuid.UUID | None
    actor_name: str
    field: str
    old_value: str | None
    new_value: str | None
    created_at: datetime


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list | tuple | set):
        return ", ".join(sorted(str(item) for item in value))
    return str(value)


async def record(
    session: AsyncSession,
    ticket_id: uuid.UUID,
    actor: tuple[uuid.UUID | None, str],
    changes: dict[str, tuple[Any, Any]],
) -> None:
    if not changes:
        return
    actor_id, actor_name = actor
    await session.execute(
        insert(ticket_history),
        [
            {
                "ticket_id": ticket_id,
                "actor_id": actor_id,
                "actor_name": actor_name,
                "field": field,
                "old_value": _text(old),
                "new_value": _text(new),
            }
            for field, (old, new) in changes.items()
        ],
    )


async def history_of(session: AsyncSession, ticket_id: uuid.UUID) -> list[HistoryEntry]:
    rows = await session.execute(
        select(ticket_history).where(ticket_history.c.ticket_id == ticket_id).order_by(ticket_history.c.id)
    )
    return [HistoryEntry.model_validate(row, from_attributes=True) for row in rows]
