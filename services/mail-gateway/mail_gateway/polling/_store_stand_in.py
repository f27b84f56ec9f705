"""STAND-IN, for the poller's tests only, until `mail_gateway.inbound.store` lands on this branch: a
minimal `store_raw` with that module's signature, and the Message-ID lookup of the UIDVALIDITY
re-sync, over a table declared here on a MetaData of its own (not the `mail` schema's, so no migration
builds it: the tests create it). The lead swaps both for the real raw store at merge."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import ClassVar

from pydantic import BaseModel
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    LargeBinary,
    MetaData,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.contracts.envelope import EventEnvelope
from helpdesk_common.outbox import add_event
from mail_gateway.polling.message_ids import header_message_id

stand_in_metadata = MetaData()

raw_messages = Table(
    "raw_messages_stand_in",
    stand_in_metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("department_id", UUID(as_uuid=True), nullable=False),
    Column("source", Text, nullable=False),
    Column("uidvalidity", BigInteger),
    Column("uid", BigInteger),
    Column("message_id", Text),
    Column("size", BigInteger, nullable=False),
    Column("raw", LargeBinary, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("raw_messages_stand_in_imap", "department_id", "uidvalidity", "uid", unique=True),
    Index("raw_messages_stand_in_message_id", "department_id", "message_id"),
)


class _MailStoredData(BaseModel):
    raw_message_id: int
    department_id: uuid.UUID


class _MailStored(EventEnvelope[_MailStoredData]):
    event_type: ClassVar[str] = "mail_stored"
    stream: ClassVar[str] = "MAIL"

    def bus_subject(self) -> str:
        return f"mail.stored.{self.data.department_id}"


@dataclass(frozen=True)
class StoredMessage:
    id: int
    message_id: str | None


_INSERT = text(
    "INSERT INTO raw_messages_stand_in (department_id, source, uidvalidity, uid, message_id, size, raw) "
    "VALUES (:department_id, :source, :uidvalidity, :uid, :message_id, :size, :raw) "
    "ON CONFLICT (department_id, uidvalidity, uid) DO NOTHING RETURNING id"
)


async def store_raw(
    session: AsyncSession,
    *,
    department_id: uuid.UUID,
    raw: bytes,
    source: str,
    uidvalidity: int | None = None,
    uid: int | None = None,
) -> StoredMessage | None:
    message_id = header_message_id(raw)
    inserted = (
        await session.execute(
            _INSERT,
            {
                "department_id": department_id,
                "source": source,
                "uidvalidity": uidvalidity,
                "uid": uid,
                "message_id": message_id,
                "size": len(raw),
                "raw": raw,
            },
        )
    ).scalar_one_or_none()
    if inserted is None:
        return None
    await add_event(
        session,
        _MailStored.build(
            source="mail-gateway",
            subject=str(inserted),
            data=_MailStoredData(raw_message_id=inserted, department_id=department_id),
        ),
    )
    return StoredMessage(inserted, message_id)


async def stored_message_ids(
    session: AsyncSession, *, department_id: uuid.UUID, message_ids: list[str]
) -> set[str]:
    """Which of these Message-IDs the department already holds (the Message-ID map)."""
    if not message_ids:
        return set()
    rows = await session.execute(
        text(
            "SELECT DISTINCT message_id FROM raw_messages_stand_in "
            "WHERE department_id = :department_id AND message_id = ANY(:message_ids)"
        ),
        {"department_id": department_id, "message_ids": message_ids},
    )
    return {row[0] for row in rows}
