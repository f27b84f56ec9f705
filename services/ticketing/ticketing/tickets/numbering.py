"""Ticket numbers: the customer's prefix or the global one, then a zero-padded counter per prefix.

Each prefix has its own PostgreSQL sequence: `nextval` takes no lock that lasts until commit, so
parallel creates do not queue behind one another, and a number once handed out is never handed out
again, even when its ticket is deleted or its transaction rolls back.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from ticketing.settings.schemas import PREFIX_PATTERN


def sequence_name(prefix: str) -> str:
    # Prefixes are validated (letters and digits), so the name is a safe identifier.
    assert PREFIX_PATTERN.match(prefix), prefix
    return f"ticket_number_{prefix.lower()}"


async def next_number(session: AsyncSession, prefix: str) -> str:
    sequence = sequence_name(prefix)
    await _ensure_sequence(session, sequence)
    value = (await session.execute(text(f"SELECT nextval('{sequence}')"))).scalar_one()
    return f"{prefix}-{value:06d}"


async def _ensure_sequence(session: AsyncSession, sequence: str) -> None:
    exists = (await session.execute(text("SELECT to_regclass(:name)"), {"name": sequence})).scalar_one()
    if exists is not None:
        return
    try:
        async with session.begin_nested():
            await session.execute(text(f"CREATE SEQUENCE IF NOT EXISTS {sequence}"))
    except DBAPIError:
        # Another transaction created it at the same moment; it exists either way.
        pass
