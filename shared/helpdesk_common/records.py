"""Checks that every service's record rules share."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Column, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.errors import ValidationFailed


async def ensure_unique(
    session: AsyncSession,
    column: Column[Any],
    value: str,
    *,
    field: str,
    message: str,
    except_id: uuid.UUID | None = None,
) -> None:
    """422 naming `field` when another row already has `value` in `column`, whatever its case."""
    query = select(column).where(func.lower(column) == value.lower())
    if except_id is not None:
        query = query.where(column.table.c.id != except_id)
    if (await session.execute(query.limit(1))).first() is not None:
        raise ValidationFailed(field, message)
