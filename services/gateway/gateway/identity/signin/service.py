"""Signing in with a password, and the sessions it opens."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.config import GatewaySettings
from gateway.identity.errors import SignInFailed
from gateway.identity.secrets import new_token, token_digest, verify_password
from gateway.identity.signin.throttle import (
    forget_account_failures,
    record_failure,
    refuse_if_locked,
    slow_down,
    throttle_keys,
)
from gateway.tables import operators, sessions


@dataclass(frozen=True)
class OpenedSession:
    token: str
    csrf_token: str
    expires_at: datetime
    operator_id: uuid.UUID


async def sign_in(
    session: AsyncSession,
    *,
    username: str,
    password: str,
    address: str,
    user_agent: str,
    settings: GatewaySettings,
) -> OpenedSession:
    keys = throttle_keys(username, address)
    await refuse_if_locked(session, keys)
    account = (
        await session.execute(
            select(operators.c.id, operators.c.password_hash, operators.c.active).where(
                func.lower(operators.c.username) == username.strip().lower()
            )
        )
    ).first()
    # The password is checked even for an unknown or disabled account: every failure costs the
    # same time and gets the same answer.
    password_ok = verify_password(account.password_hash if account else None, password)
    if account is None or not password_ok or not account.active:
        failures = await record_failure(session, keys, settings)
        await session.commit()  # the failure must count although the request fails
        await slow_down(failures, settings)
        raise SignInFailed()
    await forget_account_failures(session, keys)
    return await _open_session(session, account.id, address, user_agent, settings)


async def _open_session(
    session: AsyncSession, operator_id: uuid.UUID, address: str, user_agent: str, settings: GatewaySettings
) -> OpenedSession:
    token, csrf_token = new_token(), new_token()
    expires_at = datetime.now(UTC) + timedelta(hours=settings.session_ttl_hours)
    await session.execute(
        insert(sessions).values(
            token_hash=token_digest(token),
            csrf_hash=token_digest(csrf_token),
            operator_id=operator_id,
            expires_at=expires_at,
            address=address,
            user_agent=user_agent[:500],
        )
    )
    return OpenedSession(token, csrf_token, expires_at, operator_id)


async def sign_out(session: AsyncSession, *, token_hash: str) -> None:
    await session.execute(delete(sessions).where(sessions.c.token_hash == token_hash))
