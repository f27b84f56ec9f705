"""The proxied APIs ahead of FastAPI's request machinery.

Every request to /api/<tickets|sla|...>/ is a forward, and FastAPI's layers between the server and
the route (exception handlers, exit stack, router, request/response wrappers) cost about a third of
one. This outermost layer sends those requests straight to the proxy with the three services they
need from the stack, done here: the body size limit, the caller's trace context, and problem
details for every error. Anything else (sign-in, tokens, operators, roles, docs, an unknown API)
goes on to FastAPI as before.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.config import PUBLIC_NAMES
from helpdesk_common.errors import HelpdeskError
from helpdesk_common.http.app import TraceContext
from helpdesk_common.http.limits import BodySizeLimit
from helpdesk_common.http.problems import problem_response
from helpdesk_common.http.unhandled import unhandled_problem

if TYPE_CHECKING:
    from gateway.proxy.forward import GatewayProxy

log = logging.getLogger(__name__)


class ProxyFirst:
    def __init__(
        self,
        app: ASGIApp,
        *,
        proxy: GatewayProxy,
        max_body_bytes: int,
        larger_bodies: dict[str, int] | None = None,
    ) -> None:
        self.app = app
        self.proxy = proxy
        self.forward = TraceContext(
            BodySizeLimit(self._forward, max_bytes=max_body_bytes, larger_for=larger_bodies)
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _proxied_name(scope["path"]) is not None:
            await self.forward(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _forward(self, scope: Scope, receive: Receive, send: Send) -> None:
        public = _proxied_name(scope["path"])
        assert public is not None
        request = Request(scope, receive)
        try:
            response = await self.proxy.forward_to(request, public)
        except HelpdeskError as error:
            response = problem_response(
                error.status_code,
                error.title,
                error.detail,
                error.problem_type,
                instance=scope["path"],
                **error.extensions,
            )
            response.headers.update(error.headers)
        except Exception as error:
            response = unhandled_problem(error, scope["method"], scope["path"])
        await response(scope, receive, send)


def _proxied_name(path: str) -> str | None:
    """`tickets` for /api/tickets and /api/tickets/..., None for any path the proxy does not own."""
    if not path.startswith("/api/"):
        return None
    name, _, _ = path[5:].partition("/")
    return name if name in PUBLIC_NAMES else None
