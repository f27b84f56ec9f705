"""Reading the directory from ticketing's copy of the operators (the one the assignee and the members
are checked against, so the pickers offer exactly the ids the writes accept)."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ticketing.operators.schemas import DirectoryEntry
from ticketing.tables.projections import operators


async def list_directory(
    session: AsyncSession, *, search: str | None, include_inactive: bool, limit: int
) -> list[DirectoryEntry]:
    """By username; `search` in the username or the display name, whatever the case."""
    query = select(operators.c.id, operators.c.username, operators.c.display_name, operators.c.active)
    if not include_inactive:
        query = query.where(operators.c.active)
    if search and search.strip():
        term = search.strip().lower()
        query = query.where(
            or_(
                func.lower(operators.c.username).contains(term, autoescape=True),
                func.lower(operators.c.display_name).contains(term, autoescape=True),
            )
        )
    query = query.order_by(func.lower(operators.c.username), operators.c.id).limit(limit)
    rows = await session.execute(query)
    return [DirectoryEntry.model_validate(row._mapping) for row in rows]
