"""Fetched messages into the raw store with the mailbox's cursor, in one transaction per batch: what
is committed is stored and the cursor says so, or neither. The cursor's write checks the lease, so a
poller that lost its mailbox stores nothing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from mail_gateway.connections.imap import Message
from mail_gateway.inbound.store import RawMessage, scan_message_id, store_many, stored_message_ids
from mail_gateway.polling.lease import LeaseLost


@dataclass(frozen=True)
class Cursor:
    uidvalidity: int | None
    last_uid: int


@dataclass(frozen=True)
class Stored:
    stored: int
    # Already in the store (a refetch, or known by its Message-ID after a UIDVALIDITY change).
    skipped: int
    # The highest outbox id this transaction could see: once the relay has published every row up to
    # it, the batch's events are in JetStream.
    watermark: int


_CURSOR = text(
    "SELECT imap_uidvalidity, imap_last_uid FROM mailboxes WHERE department_id = :department_id "
    "AND lease_holder = :holder"
)
# Taken first in the batch's transaction: it locks the row (a takeover waits for the commit) and
# fails when the lease went to another poller.
_ADVANCE = text(
    "UPDATE mailboxes SET imap_uidvalidity = :uidvalidity, "
    "imap_last_uid = CASE WHEN imap_uidvalidity IS DISTINCT FROM :uidvalidity THEN :last_uid "
    "ELSE greatest(imap_last_uid, :last_uid) END "
    "WHERE department_id = :department_id AND lease_holder = :holder"
)
_WATERMARK = text("SELECT coalesce(max(id), 0) FROM outbox")
_FLOOR = text("SELECT min(id) FROM outbox")


async def cursor(engine: AsyncEngine, *, department_id: uuid.UUID, holder: str) -> Cursor:
    async with engine.connect() as connection:
        row = (await connection.execute(_CURSOR, {"department_id": department_id, "holder": holder})).first()
    if row is None:
        raise LeaseLost(str(department_id))
    return Cursor(row.imap_uidvalidity, row.imap_last_uid)


async def store_batch(
    sessions: async_sessionmaker[AsyncSession],
    *,
    department_id: uuid.UUID,
    holder: str,
    uidvalidity: int,
    messages: list[Message],
    last_uid: int,
) -> Stored:
    """Stores the messages (those whose Message-ID the department already holds are skipped) and
    moves the cursor to `last_uid`, all or nothing."""
    async with sessions() as session, session.begin():
        await _advance(
            session, department_id=department_id, holder=holder, uidvalidity=uidvalidity, last_uid=last_uid
        )
        message_ids = {message.uid: scan_message_id(message.raw) for message in messages}
        known = await stored_message_ids(
            session,
            department_id=department_id,
            message_ids=[found for found in message_ids.values() if found],
        )
        new = [message for message in messages if message_ids[message.uid] not in known]
        stored = await store_many(
            session,
            department_id=department_id,
            # The fetched literals as they are: a copy of a large message would double its memory.
            messages=[RawMessage(message.raw, message.uid) for message in new],  # type: ignore[arg-type]
            source="imap",
            uidvalidity=uidvalidity,
        )
        skipped = len(messages) - len(stored)
        watermark = (await session.execute(_WATERMARK)).scalar_one()
    return Stored(len(stored), skipped, watermark)


async def advance(
    sessions: async_sessionmaker[AsyncSession],
    *,
    department_id: uuid.UUID,
    holder: str,
    uidvalidity: int,
    last_uid: int,
) -> int:
    """Moves the cursor with nothing stored (past messages known by Message-ID); the watermark."""
    async with sessions() as session, session.begin():
        await _advance(
            session, department_id=department_id, holder=holder, uidvalidity=uidvalidity, last_uid=last_uid
        )
        watermark: int = (await session.execute(_WATERMARK)).scalar_one()
    return watermark


async def outbox_watermark(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        watermark: int = (await connection.execute(_WATERMARK)).scalar_one()
    return watermark


async def published_up_to(engine: AsyncEngine, watermark: int) -> bool:
    """Every outbox row up to the watermark is gone: the relay deletes a row only once JetStream
    acknowledged it (helpdesk_common/bus/relay.py)."""
    async with engine.connect() as connection:
        floor = (await connection.execute(_FLOOR)).scalar_one()
    return floor is None or floor > watermark


async def _advance(
    session: AsyncSession, *, department_id: uuid.UUID, holder: str, uidvalidity: int, last_uid: int
) -> None:
    result = await session.execute(
        _ADVANCE,
        {"department_id": department_id, "holder": holder, "uidvalidity": uidvalidity, "last_uid": last_uid},
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise LeaseLost(str(department_id))
