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
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.contracts.mail import MailStored, StoredMail
from helpdesk_common.outbox import add_event
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
    row_id = uuid.uuid4()
    message_id = scan_message_id(raw)
    stored = (
        await session.execute(
            insert(inbound_messages)
            .values(
                id=row_id,
                department_id=department_id,
                source=source,
                uidvalidity=uidvalidity,
                uid=uid,
                file_name=file_name.replace("\x00", "") if file_name else None,
                raw=raw,
                size=len(raw),
                sha256=hashlib.sha256(raw).digest(),
                message_id=message_id,
            )
            .on_conflict_do_nothing()
            .returning(inbound_messages.c.id)
        )
    ).scalar_one_or_none()
    if stored is None:
        return None
    await add_event(session, stored_event(department_id, row_id))
    return StoredMessage(id=row_id, department_id=department_id, message_id=message_id, size=len(raw))


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
