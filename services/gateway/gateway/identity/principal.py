"""The interface between sign-in and the proxy: who a request is from, however it authenticated."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from fastapi import Request

from helpdesk_common.auth import Operator


@dataclass(frozen=True)
class Principal:
    operator: Operator
    # Cookie-authenticated writes need a CSRF token; API-token requests do not.
    method: Literal["session", "api_token"]


# Raises helpdesk_common.errors.Unauthenticated (401) or Forbidden (403, e.g. a bad CSRF token).
Authenticate = Callable[[Request], Awaitable[Principal]]
