"""Ticket numbers: the customer's prefix or the global one, then a zero-padded counter per prefix.

Each prefix has its own PostgreSQL sequence: `nextval` takes no lock that lasts until commit, so
parallel creates do not queue behind one another, and a number once handed out is never handed out
again, even when its ticket is deleted or its transaction rolls back.
"""

from __future__ import annotations

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.db import driver_connection
from ticketing.settings.schemas import PREFIX_PATTERN


def sequence_name(prefix: str) -> str:
    # Prefixes are validated (letters and digits), so the name is a safe identifier.
    assert PREFIX_PATTERN.match(prefix), prefix
    return f"ticket_number_{prefix.lower()}"


def next_value_sql(prefix_expression: str) -> str:
    """The next value for a prefix computed in SQL, for a statement that reads the prefix itself; NULL
    when the prefix has no sequence yet (then `next_number` creates it)."""
    return f"nextval(to_regclass('ticket_number_' || lower({prefix_expression})))"


def formatted(prefix: str, value: int) -> str:
    return f"{prefix}-{value:06d}"


async def next_number(bind: AsyncSession | asyncpg.Connection, prefix: str) -> str:  # type: ignore[type-arg]
    sequence = sequence_name(prefix)
    connection = bind if isinstance(bind, asyncpg.Connection) else await driver_connection(bind)
    # nextval of NULL is NULL: a prefix seen for the first time costs no failed statement.
    value = await connection.fetchval(_NEXT, sequence)
    if value is None:
        await _create_sequence(connection, sequence)
        value = await connection.fetchval(_NEXT, sequence)
    return formatted(prefix, value)


_NEXT = "SELECT nextval(to_regclass($1))"


async def _create_sequence(connection: asyncpg.Connection, sequence: str) -> None:  # type: ignore[type-arg]
    try:
        # A savepoint when the caller is in a transaction, so that goes on after a failure here.
        async with connection.transaction():
            await connection.execute(f"CREATE SEQUENCE IF NOT EXISTS {sequence}")
    except asyncpg.PostgresError:
        # Another transaction created it at the same moment; it exists either way.
        pass
