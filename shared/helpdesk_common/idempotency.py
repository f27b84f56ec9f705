"""Creations that can be retried: a request carrying an `Idempotency-Key` (IETF draft
"The Idempotency-Key HTTP Header Field") is carried out once per operator and key; a retry gets the
first answer again instead of a second record.

The key is claimed in the transaction that makes the record and the answer is kept in it, so both
commit or neither does: a request that failed leaves no claim and may be sent again. A retry that
arrives while the first attempt is still running waits for it (the claim's row lock), then replays.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

import asyncpg
from fastapi import Header
from fastapi.responses import Response
from sqlalchemy import Column, DateTime, Integer, LargeBinary, MetaData, Table, Text, func
from sqlalchemy.dialects.postgresql import UUID

from helpdesk_common.errors import Conflict, HelpdeskError

# How long a key is remembered; the draft suggests at least a day.
KEY_RETENTION = timedelta(hours=24)
REPLAYED_HEADER = "Idempotent-Replayed"

idempotency_metadata = MetaData()
# In the schema of each service that offers it; created by that service's own migration.
idempotency_keys = Table(
    "idempotency_keys",
    idempotency_metadata,
    Column("operator_id", UUID(as_uuid=True), primary_key=True),
    Column("key", Text, primary_key=True),
    Column("fingerprint", Text, nullable=False),
    Column("status_code", Integer),
    Column("media_type", Text),
    Column("body", LargeBinary),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now(), index=True),
)

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        pattern=r'^"?[\x21\x23-\x7e]{1,253}"?$',
        description="Any unique string of printable ASCII (a UUID, say). A retried request with the "
        "same key returns the first answer (header `Idempotent-Replayed: true`) instead of creating "
        "a second record; the key is kept for 24 hours.",
    ),
]


class KeyReused(HelpdeskError):
    status_code = 422
    problem_type = "urn:helpdesk:problem:idempotency-key-reused"
    title = "Idempotency key reused"

    def __init__(self) -> None:
        super().__init__("This Idempotency-Key was already used for a different request.")


@dataclass(frozen=True)
class Answer:
    """What a creation answered, kept to be given again: `replayed` when it is the kept one."""

    status_code: int
    body: bytes
    media_type: str = "application/json"
    replayed: bool = False

    def response(self) -> Response:
        headers = {REPLAYED_HEADER: "true"} if self.replayed else None
        return Response(self.body, status_code=self.status_code, media_type=self.media_type, headers=headers)


def fingerprint(*parts: str | bytes) -> str:
    """What identifies the request a key was sent with: its route and its content."""
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


async def once(
    connection: asyncpg.Connection[Any],
    *,
    key: str | None,
    operator_id: uuid.UUID,
    request: Callable[[], str],
    work: Callable[[], Awaitable[Answer]],
) -> Answer:
    """`work` runs unless this operator's key was already answered. On `connection` inside the caller's
    transaction, which the caller commits; on a connection with none, in a transaction of its own.
    `request` gives the request's fingerprint, asked for only when there is a key."""
    if key is None:
        return await work()
    if connection.is_in_transaction():
        return await _once(connection, key.strip('"'), operator_id, request(), work)
    async with connection.transaction():
        return await _once(connection, key.strip('"'), operator_id, request(), work)


async def _once(
    connection: asyncpg.Connection[Any],
    key: str,
    operator_id: uuid.UUID,
    request: str,
    work: Callable[[], Awaitable[Answer]],
) -> Answer:
    claimed = await connection.fetchval(
        "INSERT INTO idempotency_keys (operator_id, key, fingerprint) VALUES ($1, $2, $3) "
        "ON CONFLICT DO NOTHING RETURNING true",
        operator_id,
        key,
        request,
    )
    if not claimed:
        return _replay(
            await connection.fetchrow(
                "SELECT fingerprint, status_code, media_type, body FROM idempotency_keys "
                "WHERE operator_id = $1 AND key = $2",
                operator_id,
                key,
            ),
            request,
        )
    answer = await work()
    await connection.execute(
        "UPDATE idempotency_keys SET status_code = $3, media_type = $4, body = $5 "
        "WHERE operator_id = $1 AND key = $2",
        operator_id,
        key,
        answer.status_code,
        answer.media_type,
        answer.body,
    )
    return answer


def _replay(stored: asyncpg.Record | None, request: str) -> Answer:
    if stored is None or stored["status_code"] is None:
        # Claimed in this very transaction: a caller that sent the same key twice within one request.
        raise Conflict("The first request with this Idempotency-Key is still running.")
    if stored["fingerprint"] != request:
        raise KeyReused()
    return Answer(stored["status_code"], bytes(stored["body"]), stored["media_type"], replayed=True)


async def forget_old_keys(connection: asyncpg.Connection[Any]) -> int:
    """Keys past their retention; safe to run on several replicas at once."""
    result = await connection.execute(
        "DELETE FROM idempotency_keys WHERE created_at < now() - $1::interval", KEY_RETENTION
    )
    return int(result.split()[-1])
