"""OAuth2 access tokens for XOAUTH2/OAUTHBEARER: a mailbox's refresh token traded for an access token
at its token endpoint (RFC 6749 section 6), kept until shortly before it expires."""

from __future__ import annotations

import asyncio
import hashlib
import time
from dataclasses import dataclass, replace

import httpx

from mail_gateway.connections.endpoint import OAuthClient, ServerRefused

# An access token is renewed this long before its stated expiry, so a connection never starts with
# one about to lapse.
_RENEW_BEFORE_SECONDS = 60.0
# What a token endpoint that states no lifetime is assumed to give.
_DEFAULT_LIFETIME_SECONDS = 300.0


@dataclass(frozen=True)
class _Cached:
    token: str
    renew_at: float


class AccessTokens:
    """The process's access tokens, one per OAuth client and refresh token. Nothing here is written
    to disk or logged."""

    def __init__(
        self, *, timeout_seconds: float = 15.0, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.timeout_seconds = timeout_seconds
        self._transport = transport
        self._cache: dict[str, _Cached] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def token(self, client: OAuthClient) -> str:
        key = _key(client)
        # One refresh at a time per client: concurrent connections of one mailbox share its result.
        async with self._locks.setdefault(key, asyncio.Lock()):
            cached = self._cache.get(key)
            if cached is not None and time.monotonic() < cached.renew_at:
                return cached.token
            fresh, rotated = await self._refresh(client)
            self._cache[key] = fresh
            if rotated is not None:
                if client.keep_rotated is not None:
                    await client.keep_rotated(rotated)
                # The stored client now names the new token: its first connection needs no refresh.
                self._cache[_key(replace(client, refresh_token=rotated))] = fresh
            return fresh.token

    def forget(self, client: OAuthClient) -> None:
        """After the server refused a token: the next connection asks for a new one."""
        self._cache.pop(_key(client), None)

    async def _refresh(self, client: OAuthClient) -> tuple[_Cached, str | None]:
        """The access token, and the new refresh token when the endpoint rotated it."""
        form = {
            "grant_type": "refresh_token",
            "refresh_token": client.refresh_token,
            "client_id": client.client_id,
            "client_secret": client.client_secret,
        }
        if client.scope:
            form["scope"] = client.scope
        started = time.monotonic()
        try:
            async with httpx.AsyncClient(timeout=self.timeout_seconds, transport=self._transport) as http:
                answer = await http.post(
                    client.token_endpoint, data=form, headers={"Accept": "application/json"}
                )
        except httpx.HTTPError as error:
            raise ServerRefused("oauth token", f"the token endpoint could not be reached: {error}") from None
        body = _json(answer)
        if answer.status_code != 200 or not isinstance(body.get("access_token"), str):
            raise ServerRefused("oauth token", _refusal(answer.status_code, body), credentials=True)
        lifetime = _lifetime(body.get("expires_in"))
        renew_at = started + max(lifetime - _RENEW_BEFORE_SECONDS, lifetime / 2)
        rotated = body.get("refresh_token")
        fresh = isinstance(rotated, str) and rotated and rotated != client.refresh_token
        return _Cached(str(body["access_token"]), renew_at), str(rotated) if fresh else None


def _key(client: OAuthClient) -> str:
    # The refresh token identifies the grant; only its digest is kept as a key.
    material = "\0".join((client.token_endpoint, client.client_id, client.refresh_token, client.scope))
    return hashlib.sha256(material.encode()).hexdigest()


def _json(answer: httpx.Response) -> dict[str, object]:
    try:
        body = answer.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _refusal(status: int, body: dict[str, object]) -> str:
    """The endpoint's own `error` and `error_description` (RFC 6749 section 5.2), never the request's
    secrets."""
    error = body.get("error")
    description = body.get("error_description")
    words = ": ".join(str(part) for part in (error, description) if isinstance(part, str) and part)
    return f"the token endpoint answered {status}" + (f" ({words})" if words else "")


def _lifetime(expires_in: object) -> float:
    try:
        seconds = float(expires_in)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return _DEFAULT_LIFETIME_SECONDS
    return seconds if seconds > 0 else _DEFAULT_LIFETIME_SECONDS
