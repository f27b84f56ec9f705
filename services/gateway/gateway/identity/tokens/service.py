"""The rules for personal API tokens."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.identity.errors import TokenNotFound
from gateway.identity.secrets import API_TOKEN_PREFIX, new_token, token_digest
from gateway.identity.tokens.schemas import TokenCreate, TokenCreated, TokenOut
from gateway.tables import api_tokens
from helpdesk_common.errors import ValidationFailed


async def create_token(
    session: AsyncSession, *, operator_id: uuid.UUID, data: TokenCreate, max_days: int
) -> TokenCreated:
    if data.expires_in_days > max_days:
        raise ValidationFailed("expires_in_days", f"A token lives at most {max_days} days.")
    token = new_token(API_TOKEN_PREFIX)
    token_id = uuid.uuid4()
    await session.execute(
        insert(api_tokens).values(
            id=token_id,
            token_hash=token_digest(token),
            prefix=token[:10],
            name=data.name,
            operator_id=operator_id,
            expires_at=datetime.now(UTC) + timedelta(days=data.expires_in_days),
        )
    )
    stored = await _get(session, operator_id, token_id)
    return TokenCreated(**stored.model_dump(), token=token)


async def list_tokens(session: AsyncSession, *, operator_id: uuid.UUID) -> list[TokenOut]:
    rows = await session.execute(
        select(api_tokens)
        .where(api_tokens.c.operator_id == operator_id)
        .order_by(api_tokens.c.created_at.desc())
    )
    return [TokenOut.model_validate(row, from_attributes=True) for row in rows]


async def revoke_token(session: AsyncSession, *, operator_id: uuid.UUID, token_id: uuid.UUID) -> str:
    """Returns the revoked token's digest, so the caller can drop it from the auth cache."""
    await _get(session, operator_id, token_id)
    result = await session.execute(
        update(api_tokens)
        .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
        .returning(api_tokens.c.token_hash)
    )
    digest = result.scalar_one_or_none()
    if digest is None:
        digest = (
            await session.execute(select(api_tokens.c.token_hash).where(api_tokens.c.id == token_id))
        ).scalar_one()
    return str(digest)


async def _get(session: AsyncSession, operator_id: uuid.UUID, token_id: uuid.UUID) -> TokenOut:
    row = (
        await session.execute(
            select(api_tokens).where(api_tokens.c.id == token_id, api_tokens.c.operator_id == operator_id)
        )
    ).first()
    if row is None:
        raise TokenNotFound(f"API token {token_id} does not exist.")
    return TokenOut.model_validate(row, from_attributes=True)
