"""The internal token attached to every forwarded request, reused for a few seconds per operator."""

from __future__ import annotations

import time

from helpdesk_common.auth import Operator, mint_internal_token

# A bound on memory, not a tuning knob: past it the cache starts over.
_MAX_OPERATORS = 10_000


class InternalTokens:
    """Minting costs ~80 µs (PEM parsing and an Ed25519 signature), more than the rest of a forward;
    one token per operator value is reused for `reuse_seconds`, far inside its lifetime. The
    operator (with its flags and departments) is the key, so a change of flags mints a new token."""

    def __init__(self, *, private_key_pem: str, ttl_seconds: int, reuse_seconds: float) -> None:
        if reuse_seconds * 2 > ttl_seconds:
            raise ValueError("a token must be reused for at most half of its lifetime")
        self._private_key_pem = private_key_pem
        self._ttl_seconds = ttl_seconds
        self._reuse_seconds = reuse_seconds
        self._issued: dict[Operator, tuple[str, float]] = {}

    def for_operator(self, operator: Operator) -> str:
        now = time.monotonic()
        issued = self._issued.get(operator)
        if issued is not None and issued[1] > now:
            return issued[0]
        token = mint_internal_token(
            operator, private_key_pem=self._private_key_pem, ttl_seconds=self._ttl_seconds
        )
        if self._reuse_seconds > 0:
            if len(self._issued) >= _MAX_OPERATORS:
                self._issued.clear()
            self._issued[operator] = (token, now + self._reuse_seconds)
        return token
