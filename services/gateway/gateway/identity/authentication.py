"""Who a request is from: a session cookie (with CSRF on writes) or a personal API token."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated

from cachetools import TTLCache
from fastapi import Depends, Request
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.config import GatewaySettings
from gateway.identity.operators.service import load_principal
from gateway.identity.principal import Principal
from gateway.identity.secrets import API_TOKEN_PREFIX, same_digest, token_digest
from gateway.tables import api_tokens, sessions
from helpdesk_common.errors import Forbidden, PermissionMissing, Unauthenticated

CSRF_HEADER = "X-CSRF-Token"
CSRF_COOKIE = "helpdesk_csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Writing last_used_at on every request would turn every read into a write.
LAST_USED_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True)
class _Cached:
    principal: Principal
    csrf_hash: str | None


# Principals kept at once; the least recently used goes first when more arrive.
CACHED_PRINCIPALS = 10_000


class Authenticator:
    """Resolves credentials to a Principal, keeping each answer for `auth_cache_seconds`."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession], settings: GatewaySettings) -> None:
        self.session_factory = session_factory
        self.settings = settings
        self._cache: TTLCache[str, _Cached] = TTLCache(CACHED_PRINCIPALS, ttl=settings.auth_cache_seconds)
        self._lookups: dict[str, asyncio.Future[Principal]] = {}

    async def __call__(self, request: Request) -> Principal:
        authorization = request.headers.get("authorization")
        if authorization is not None:
            return await self._from_api_token(authorization)
        cookie = request.cookies.get(self.settings.session_cookie)
        if cookie:
            return await self._from_session(cookie, request)
        raise Unauthenticated("Sign in, or send a personal API token as 'Authorization: Bearer ...'.")

    def forget(self, digest: str) -> None:
        self._cache.pop(digest, None)

    def forget_everyone(self) -> None:
        self._cache.clear()

    def forget_operator(self, operator_id: uuid.UUID) -> None:
        for digest, cached in list(self._cache.items()):
            if cached.principal.operator.id == operator_id:
                self._cache.pop(digest, None)

    async def _from_api_token(self, authorization: str) -> Principal:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.startswith(API_TOKEN_PREFIX):
            raise Unauthenticated("The Authorization header must be 'Bearer hd_...'.")
        digest = token_digest(token.strip())
        cached = self._cache.get(digest)
        if cached is not None:
            return cached.principal
        # One lookup per token however many of its requests arrive while it runs: when the cached
        # answer expires under load, every request in flight would otherwise query the database.
        pending = self._lookups.get(digest)
        if pending is None:
            pending = asyncio.ensure_future(self._look_up_api_token(digest))
            self._lookups[digest] = pending
            pending.add_done_callback(lambda _: self._lookups.pop(digest, None))
        return await asyncio.shield(pending)

    async def _look_up_api_token(self, digest: str) -> Principal:
        async with self.session_factory() as session, session.begin():
            row = (
                await session.execute(
                    select(api_tokens.c.operator_id, api_tokens.c.last_used_at).where(
                        api_tokens.c.token_hash == digest,
                        api_tokens.c.revoked_at.is_(None),
                        api_tokens.c.expires_at > datetime.now(UTC),
                    )
                )
            ).first()
            operator = await load_principal(session, row.operator_id) if row else None
            if row is None or operator is None:
                raise Unauthenticated("The API token is unknown, expired or revoked.")
            await _touch(session, digest, row.last_used_at)
        return self._keep(digest, Principal(operator, "api_token"), None).principal

    async def _from_session(self, cookie: str, request: Request) -> Principal:
        digest = token_digest(cookie)
        cached = self._cache.get(digest)
        if cached is None:
            async with self.session_factory() as session:
                row = (
                    await session.execute(
                        select(sessions.c.operator_id, sessions.c.csrf_hash).where(
                            sessions.c.token_hash == digest, sessions.c.expires_at > datetime.now(UTC)
                        )
                    )
                ).first()
                operator = await load_principal(session, row.operator_id) if row else None
            if row is None or operator is None:
                raise Unauthenticated("The session has ended; sign in again.")
            cached = self._keep(digest, Principal(operator, "session"), row.csrf_hash)
        if request.method not in SAFE_METHODS:
            _check_csrf(request, cached.csrf_hash)
        return cached.principal

    def _keep(self, digest: str, principal: Principal, csrf_hash: str | None) -> _Cached:
        cached = _Cached(principal, csrf_hash)
        self._cache[digest] = cached
        return cached


def _check_csrf(request: Request, csrf_hash: str | None) -> None:
    """Double submit bound to the session: the header must carry this session's own token."""
    sent = request.headers.get(CSRF_HEADER)
    if not sent or csrf_hash is None or not same_digest(token_digest(sent), csrf_hash):
        raise Forbidden(
            f"A cookie-authenticated write needs this session's CSRF token in the {CSRF_HEADER} header.",
            reason="csrf",
        )


async def _touch(session: AsyncSession, digest: str, last_used_at: datetime | None) -> None:
    now = datetime.now(UTC)
    if last_used_at is None or now - last_used_at > LAST_USED_PRECISION:
        await session.execute(
            update(api_tokens).where(api_tokens.c.token_hash == digest).values(last_used_at=now)
        )


async def signed_in(request: Request) -> Principal:
    authenticator: Authenticator = request.app.state.authenticator
    return await authenticator(request)


SignedIn = Annotated[Principal, Depends(signed_in)]


def require_flag(flag: str) -> object:
    async def dependency(principal: SignedIn) -> Principal:
        if not principal.operator.has(flag):
            raise PermissionMissing(flag)
        return principal

    return Depends(dependency)
