"""Ticket numbers: the customer's prefix or the global one, then a zero-padded counter per prefix."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

# The counter row is locked until the creating transaction ends, so two creates never share a
# number; a rolled-back create's number was never seen, and a deleted ticket's is never reused.
_NEXT = text(
    "INSERT INTO ticket_sequences (prefix, last_value) VALUES (:prefix, 1) "
    "ON CONFLICT (prefix) DO UPDATE SET last_value = ticket_sequences.last_value + 1 "
    "RETURNING last_value"
)


async def next_number(session: AsyncSession, prefix: str) -> str:
    value = (await session.execute(_NEXT, {"prefix": prefix})).scalar_one()
    return f"{prefix}-{value:06d}"
