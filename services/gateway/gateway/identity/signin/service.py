"""Signing in with a password, and the sessions it opens."""

from __future__ import annotations

import ipaddress
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Row, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.config import GatewaySettings
from gateway.identity.errors import SignInFailed
from gateway.identity.secrets import new_token, token_digest, verify_password
from gateway.identity.signin.clients import is_known_address, is_known_device, remember
from gateway.identity.signin.throttle import (
    Attempt,
    ClearedThrottle,
    Locks,
    Scope,
    clear,
    count_failure,
    forget_failures,
    hold,
    locks_on,
    normalized_address,
    normalized_username,
    refuse,
)
from gateway.tables import operators, sessions
from helpdesk_common.errors import ValidationFailed

# How the account knows the client: a device cookie it issued, an address it signed in from, or not.
Client = Literal["device", "address", "stranger"]


@dataclass(frozen=True)
class OpenedSession:
    token: str
    csrf_token: str
    expires_at: datetime
    operator_id: uuid.UUID
    device_token: str


async def sign_in(
    session: AsyncSession,
    *,
    username: str,
    password: str,
    address: str,
    device_token: str | None,
    user_agent: str,
    settings: GatewaySettings,
) -> OpenedSession:
    attempt = Attempt(
        normalized_username(username),
        normalized_address(address),
        token_digest(device_token) if device_token else None,
    )
    await hold(session, attempt)
    account = await _account(session, attempt, settings)
    # Checked on every attempt, known account or not, locked or not: every answer costs the same.
    password_ok = verify_password(account.password_hash if account else None, password)
    client = _client(account)
    locks = await locks_on(session, attempt)
    stopping = _stopping(client, locks)
    if stopping:
        raise refuse(stopping)
    if account is None or not password_ok or not account.active:
        scopes = _counted_scopes(client, account_exists=account is not None)
        await count_failure(session, attempt, scopes, settings)
        await session.commit()  # the failure must count although the request fails
        if client == "address" and locks.shared:
            raise refuse(locks.shared)  # a known address lifts others' locks for the right password only
        raise SignInFailed()
    await forget_failures(session, attempt, "device" if client == "device" else "pair")
    new_device_token = await remember(
        session, operator_id=account.id, address=attempt.address, device=attempt.device, settings=settings
    )
    return await _open_session(session, account.id, address, user_agent, new_device_token, settings)


async def clear_locks(
    session: AsyncSession, *, username: str | None, address: str | None
) -> list[ClearedThrottle]:
    """An administrator's unlock: the counts and locks of a username, an address, or the pair."""
    if username is None and address is None:
        raise ValidationFailed("username", "Give a username, an address, or both.")
    if address is not None:
        try:
            ipaddress.ip_address(address)
        except ValueError:
            raise ValidationFailed("address", f"'{address}' is not an IP address.") from None
    return await clear(session, username=username, address=address)


async def _account(session: AsyncSession, attempt: Attempt, settings: GatewaySettings) -> Row[Any] | None:
    query = select(
        operators.c.id,
        operators.c.password_hash,
        operators.c.active,
        is_known_device(attempt.device).label("known_device"),
        is_known_address(attempt.address, settings).label("known_address"),
    ).where(func.lower(operators.c.username) == attempt.username)
    return (await session.execute(query)).first()


def _client(account: Row[Any] | None) -> Client:
    if account is not None and account.known_device:
        return "device"
    if account is not None and account.known_address:
        return "address"
    return "stranger"


def _stopping(client: Client, locks: Locks) -> float:
    """Seconds left on the lock that refuses this client whatever its password: a known device's
    own, else the pair's, and for a stranger also those that others' failures set."""
    if client == "device":
        return locks.device
    return max(locks.pair, locks.shared) if client == "stranger" else locks.pair


def _counted_scopes(client: Client, *, account_exists: bool) -> list[Scope]:
    """A known device answers for itself alone; a known address is no stranger to the account."""
    if client == "device":
        return ["device"]
    if client == "address":
        return ["pair"]
    return ["pair", "account"] if account_exists else ["pair", "account", "address"]


async def _open_session(
    session: AsyncSession,
    operator_id: uuid.UUID,
    address: str,
    user_agent: str,
    device_token: str,
    settings: GatewaySettings,
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
    return OpenedSession(token, csrf_token, expires_at, operator_id, device_token)


async def sign_out(session: AsyncSession, *, token_hash: str) -> None:
    await session.execute(delete(sessions).where(sessions.c.token_hash == token_hash))
