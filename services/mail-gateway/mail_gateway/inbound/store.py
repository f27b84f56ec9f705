"""Storing a raw message as fetched (the poller) or imported (`helpdesk mail import`): the row and its
`mail_stored` event in one transaction, so a message is never parsed before it is durable and never
stored without a parser hearing of it."""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.contracts.mail import MailStored, StoredMail
from helpdesk_common.db import driver_connection
from helpdesk_common.outbox import add_events
from mail_gateway.tables.inbound import inbound_messages

Source = Literal["imap", "import"]

# The header block ends at the first empty line; a message without one is all header.
_HEADER_END = re.compile(rb"\r?\n\r?\n")
# Folded continuation lines belong to the field before them.
_MESSAGE_ID = re.compile(
    rb"^message-id[ \t]*:((?:[^\r\n]*)(?:\r?\n[ \t][^\r\n]*)*)", re.IGNORECASE | re.MULTILINE
)
# Enough for any real header block; a longer one is scanned only this far.
HEADER_SCAN_BYTES = 256 * 1024
MESSAGE_ID_MAX_CHARS = 998


@dataclass(frozen=True)
class StoredMessage:
    id: uuid.UUID
    department_id: uuid.UUID
    message_id: str | None
    size: int


@dataclass(frozen=True)
class RawMessage:
    """One message to store: its bytes as they came, and where from (an IMAP UID or a file)."""

    raw: bytes
    uid: int | None = None
    file_name: str | None = None


async def store_raw(
    session: AsyncSession,
    *,
    department_id: uuid.UUID,
    raw: bytes,
    source: Source,
    uidvalidity: int | None = None,
    uid: int | None = None,
    file_name: str | None = None,
) -> StoredMessage | None:
    """None when the message is already stored: the same IMAP UID under the same UIDVALIDITY, or the
    same bytes imported into the department before. The caller commits."""
    stored = await store_many(
        session,
        department_id=department_id,
        messages=[RawMessage(raw, uid, file_name)],
        source=source,
        uidvalidity=uidvalidity,
    )
    return stored[0] if stored else None


async def store_many(
    session: AsyncSession,
    *,
    department_id: uuid.UUID,
    messages: list[RawMessage],
    source: Source,
    uidvalidity: int | None = None,
) -> list[StoredMessage]:
    """The messages not stored yet, each with its `mail_stored` event, in one statement for the rows
    and one for the events (the poller's batches: `make bench-mail`). The caller commits."""
    if not messages:
        return []
    row_ids = [uuid.uuid4() for _ in messages]
    message_ids = [scan_message_id(message.raw) for message in messages]
    connection = await driver_connection(session)
    inserted = await connection.fetch(
        _INSERT_MANY,
        department_id,
        source,
        uidvalidity,
        row_ids,
        [message.uid for message in messages],
        [message.file_name.replace("\x00", "") if message.file_name else None for message in messages],
        # The fetched literals as they are: a copy of a large message would double its memory.
        [message.raw for message in messages],
        [hashlib.sha256(message.raw).digest() for message in messages],
        message_ids,
    )
    kept = {row["id"] for row in inserted}
    stored = [
        StoredMessage(id=row_id, department_id=department_id, message_id=message_id, size=len(message.raw))
        for row_id, message_id, message in zip(row_ids, message_ids, messages, strict=True)
        if row_id in kept
    ]
    await add_events(session, [stored_event(department_id, message.id) for message in stored])
    return stored


_INSERT_MANY = """
INSERT INTO inbound_messages
    (id, department_id, source, uidvalidity, uid, file_name, raw, size, sha256, message_id)
SELECT m.id, $1::uuid, $2::text, $3::bigint, m.uid, m.file_name, m.raw, octet_length(m.raw), m.sha256,
       m.message_id
FROM unnest($4::uuid[], $5::bigint[], $6::text[], $7::bytea[], $8::bytea[], $9::text[])
    AS m(id, uid, file_name, raw, sha256, message_id)
ON CONFLICT DO NOTHING
RETURNING id
"""


def stored_event(department_id: uuid.UUID, row_id: uuid.UUID) -> MailStored:
    return MailStored.build(
        source="mail-gateway",
        subject=str(row_id),
        data=StoredMail(department_id=department_id, inbound_message_id=row_id),
    )


def scan_message_id(raw: bytes | bytearray) -> str | None:
    """The Message-ID as the header block spells it, unfolded, without parsing the message: what the
    poller's UIDVALIDITY re-sync matches on. None when there is none or it is empty."""
    head = raw[:HEADER_SCAN_BYTES]
    end = _HEADER_END.search(head)
    found = _MESSAGE_ID.search(head[: end.start()] if end else head)
    if found is None:
        return None
    value = re.sub(rb"\r?\n[ \t]", b" ", found.group(1)).decode("utf-8", "replace")
    value = value.replace("\x00", "").strip()
    return value[:MESSAGE_ID_MAX_CHARS] or None


async def stored_message_ids(
    session: AsyncSession, *, department_id: uuid.UUID, message_ids: list[str]
) -> set[str]:
    """Which of these Message-IDs the department already holds: the Message-ID map the poller's
    UIDVALIDITY re-sync (and every batch) checks before storing."""
    if not message_ids:
        return set()
    rows = await session.execute(
        select(inbound_messages.c.message_id)
        .distinct()
        .where(
            inbound_messages.c.department_id == department_id,
            inbound_messages.c.message_id.in_(message_ids),
        )
    )
    return set(rows.scalars())
