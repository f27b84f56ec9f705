"""The internal token attached to every forwarded request, reused for a few seconds per operator."""

from __future__ import annotations

from cachetools import TTLCache

from helpdesk_common.auth import Operator, mint_internal_token

# Operators whose tokens are kept at once; the least recently used goes first when more arrive.
_MAX_OPERATORS = 10_000


class InternalTokens:
    """Minting (an Ed25519 signature) costs more than the rest of a forward (`make bench-gateway`), so
    one token per operator value is reused for `reuse_seconds`, far inside its lifetime. The operator
    (with its flags and departments) is the key, so a change of flags mints a new token."""

    def __init__(self, *, private_key_pem: str, ttl_seconds: int, reuse_seconds: float) -> None:
        if reuse_seconds * 2 > ttl_seconds:
            raise ValueError("a token must be reused for at most half of its lifetime")
        self._private_key_pem = private_key_pem
        self._ttl_seconds = ttl_seconds
        self._issued: TTLCache[Operator, str] | None = (
            TTLCache(_MAX_OPERATORS, ttl=reuse_seconds) if reuse_seconds > 0 else None
        )

    def for_operator(self, operator: Operator) -> str:
        token = self._issued.get(operator) if self._issued is not None else None
        if token is None:
            token = mint_internal_token(
                operator, private_key_pem=self._private_key_pem, ttl_seconds=self._ttl_seconds
            )
            if self._issued is not None:
                self._issued[operator] = token
        return token
