"""Alert sources and their integration keys: a key is 32 random bytes shown once; only its SHA-256 is
kept (a key that random needs no slow hash), so a key is checked with one indexed lookup."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.auth import Operator
from helpdesk_common.errors import NotFound, ValidationFailed
from itsm.sources.schemas import KeyOut, NewKeyOut, NewSourceOut, SourceIn, SourceOut, SourceUpdate
from itsm.tables import alert_sources, integration_keys

KEY_PREFIX = "hdk_"


class SourceNotFound(NotFound):
    problem_type = "urn:helpdesk:problem:alert-source-not-found"


@dataclass(frozen=True)
class KeyHolder:
    """The source an integration key belongs to, as the intake needs it."""

    source_id: uuid.UUID
    source_name: str
    rate_per_minute: int
    key_id: uuid.UUID


def key_hash(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


async def holder_of(session: AsyncSession, key: str) -> KeyHolder | None:
    """The enabled source holding this unrevoked key, or None."""
    query = (
        select(
            alert_sources.c.id,
            alert_sources.c.name,
            alert_sources.c.rate_per_minute,
            integration_keys.c.id.label("key_id"),
        )
        .select_from(integration_keys.join(alert_sources, alert_sources.c.id == integration_keys.c.source_id))
        .where(
            integration_keys.c.key_hash == key_hash(key),
            integration_keys.c.revoked_at.is_(None),
            alert_sources.c.enabled,
        )
    )
    row = (await session.execute(query)).first()
    if row is None:
        return None
    return KeyHolder(
        source_id=row.id, source_name=row.name, rate_per_minute=row.rate_per_minute, key_id=row.key_id
    )


async def list_sources(session: AsyncSession) -> list[SourceOut]:
    sources = list(await session.execute(select(alert_sources).order_by(alert_sources.c.name)))
    keys = await _keys_by_source(session, [row.id for row in sources])
    return [_source(row, keys.get(row.id, [])) for row in sources]


async def create_source(session: AsyncSession, operator: Operator, data: SourceIn) -> NewSourceOut:
    try:
        async with session.begin_nested():
            row = (
                await session.execute(
                    alert_sources.insert()
                    .values(id=uuid.uuid4(), **data.model_dump())
                    .returning(*alert_sources.c)
                )
            ).one()
    except IntegrityError as error:
        raise ValidationFailed("name", f"A source named '{data.name}' exists.") from error
    new_key = await add_key(session, operator, row.id)
    return NewSourceOut(**_source(row, [new_key]).model_dump(), new_key=new_key)


async def update_source(session: AsyncSession, source_id: uuid.UUID, data: SourceUpdate) -> SourceOut:
    values = data.model_dump(exclude_unset=True)
    query = update(alert_sources).where(alert_sources.c.id == source_id).returning(*alert_sources.c)
    row = (
        await session.execute(
            query.values(**values) if values else select(alert_sources).where(alert_sources.c.id == source_id)
        )
    ).first()
    if row is None:
        raise SourceNotFound(f"There is no alert source {source_id}.")
    keys = await _keys_by_source(session, [source_id])
    return _source(row, keys.get(source_id, []))


async def delete_source(session: AsyncSession, source_id: uuid.UUID) -> None:
    """Its keys go with it; the incidents and alerts it sent stay."""
    done = await session.execute(
        delete(alert_sources).where(alert_sources.c.id == source_id).returning(alert_sources.c.id)
    )
    if done.first() is None:
        raise SourceNotFound(f"There is no alert source {source_id}.")


async def add_key(session: AsyncSession, operator: Operator, source_id: uuid.UUID) -> NewKeyOut:
    if (
        await session.execute(select(alert_sources.c.id).where(alert_sources.c.id == source_id))
    ).first() is None:
        raise SourceNotFound(f"There is no alert source {source_id}.")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = (
        await session.execute(
            integration_keys.insert()
            .values(
                id=uuid.uuid4(),
                source_id=source_id,
                key_hash=key_hash(key),
                hint=key[-4:],
                created_by_id=operator.id,
            )
            .returning(*integration_keys.c)
        )
    ).one()
    return NewKeyOut(**_key(row).model_dump(), key=key)


async def revoke_key(
    session: AsyncSession, source_id: uuid.UUID, key_id: uuid.UUID, *, now: datetime
) -> KeyOut:
    row = (
        await session.execute(
            update(integration_keys)
            .where(integration_keys.c.id == key_id, integration_keys.c.source_id == source_id)
            .values(revoked_at=now)
            .returning(*integration_keys.c)
        )
    ).first()
    if row is None:
        raise NotFound(f"The source has no key {key_id}.")
    return _key(row)


async def _keys_by_source(
    session: AsyncSession, source_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[KeyOut]]:
    if not source_ids:
        return {}
    query = (
        select(integration_keys)
        .where(integration_keys.c.source_id.in_(source_ids))
        .order_by(integration_keys.c.created_at, integration_keys.c.id)
    )
    keys: dict[uuid.UUID, list[KeyOut]] = {}
    for row in await session.execute(query):
        keys.setdefault(row.source_id, []).append(_key(row))
    return keys


def _key(row: Any) -> KeyOut:
    return KeyOut(
        id=row.id,
        hint=row.hint,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
    )


def _source(row: Any, keys: list[Any]) -> SourceOut:
    return SourceOut(
        id=row.id,
        name=row.name,
        description=row.description,
        rate_per_minute=row.rate_per_minute,
        enabled=row.enabled,
        created_at=row.created_at,
        last_alert_at=row.last_alert_at,
        keys=[KeyOut(**key.model_dump(include=set(KeyOut.model_fields))) for key in keys],
    )
