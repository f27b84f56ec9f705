"""The gateway's internal token: minted by the gateway, verified by every service on every request.

It is an EdDSA (Ed25519) JWT: services hold only the public key, so no service but the gateway can
mint one. It is short-lived and names the operator, their permission flags and departments.
"""

from __future__ import annotations

import functools
import time
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Annotated, Any

import jwt
from cachetools import TLRUCache
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from fastapi import Depends, Request

from helpdesk_common.errors import PermissionMissing, Unauthenticated

INTERNAL_TOKEN_HEADER = "X-Helpdesk-Internal-Token"
ISSUER = "helpdesk-gateway"
AUDIENCE = "helpdesk-services"
ALGORITHM = "EdDSA"


@dataclass(frozen=True)
class Operator:
    """Who is calling, as the gateway vouched for them."""

    id: uuid.UUID
    username: str
    flags: frozenset[str] = field(default_factory=frozenset)
    department_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)

    def has(self, flag: str) -> bool:
        return flag in self.flags


def generate_key_pair() -> tuple[str, str]:
    """(private PEM, public PEM) for `helpdesk keygen` and `helpdesk up`."""
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private_pem, public_pem


@functools.lru_cache(maxsize=8)
def _private_key(value: str) -> Ed25519PrivateKey:
    """Parsed once: parsing costs more than signing (env files may escape the PEM's newlines)."""
    key = serialization.load_pem_private_key(value.replace("\\n", "\n").strip().encode(), password=None)
    assert isinstance(key, Ed25519PrivateKey)
    return key


@functools.lru_cache(maxsize=8)
def _public_key(value: str) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(value.replace("\\n", "\n").strip().encode())
    assert isinstance(key, Ed25519PublicKey)
    return key


def mint_internal_token(operator: Operator, *, private_key_pem: str, ttl_seconds: int = 60) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": str(operator.id),
        "username": operator.username,
        "flags": sorted(operator.flags),
        "departments": sorted(str(d) for d in operator.department_ids),
        "iat": now,
        "exp": now + ttl_seconds,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, _private_key(private_key_pem), algorithm=ALGORITHM)


def verify_internal_token(token: str, *, public_key_pem: str) -> Operator:
    if not public_key_pem:
        raise Unauthenticated("This service has no gateway public key configured.")
    # The gateway reuses a token for a few seconds; the same bytes verified once stay valid until
    # their expiry, so the signature check, a visible part of a small request (`make bench-gateway`),
    # is done once.
    cached = _verified.get((token, public_key_pem))
    if cached is not None:
        return cached[0]
    operator, expires_at = _verify(token, public_key_pem)
    _verified[(token, public_key_pem)] = (operator, expires_at)
    return operator


# Each entry lives until its token expires; the least recently used goes first when more arrive.
_verified: TLRUCache[tuple[str, str], tuple[Operator, float]] = TLRUCache(
    maxsize=10_000, ttu=lambda _key, value, _now: value[1], timer=time.time
)


def _verify(token: str, public_key_pem: str) -> tuple[Operator, float]:
    try:
        claims = jwt.decode(
            token,
            _public_key(public_key_pem),
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "iss", "aud"]},
        )
        operator = Operator(
            id=uuid.UUID(claims["sub"]),
            username=str(claims.get("username", "")),
            flags=frozenset(str(flag) for flag in claims.get("flags", [])),
            department_ids=frozenset(uuid.UUID(d) for d in claims.get("departments", [])),
        )
        return operator, float(claims["exp"])
    except jwt.ExpiredSignatureError as error:
        raise Unauthenticated("The internal token has expired.") from error
    except (jwt.InvalidTokenError, ValueError, TypeError) as error:
        raise Unauthenticated("The internal token is not valid.") from error


async def current_operator(request: Request) -> Operator:
    """Every route depends on this: a request that did not come through the gateway is a 401."""
    token = request.headers.get(INTERNAL_TOKEN_HEADER)
    if not token:
        raise Unauthenticated("Requests must come through the gateway.")
    return verify_internal_token(token, public_key_pem=request.app.state.settings.internal_token_public_key)


def require(*flags: str) -> Callable[..., Coroutine[Any, Any, Operator]]:
    """`Depends(require("tickets_edit"))`: 403 naming the first missing flag."""

    async def dependency(operator: Annotated[Operator, Depends(current_operator)]) -> Operator:
        for flag in flags:
            if not operator.has(flag):
                raise PermissionMissing(flag)
        return operator

    return dependency
