"""The gateway's outermost layer: the one path proxied requests take, traced or not, ahead of FastAPI's
request machinery (request heads are bounded before, by the server: helpdesk_common.http.server).

Every request to /api/<tickets|sla|...>/ is a forward, and FastAPI's layers between the server and the
route (exception handlers, exit stack, router, request/response wrappers) would cost a large share of one
(`make bench-gateway`). So this layer sends those requests straight to the proxy with the three things
they need from the stack: the body size limit, the trace when tracing is on (OpenTelemetry's own ASGI
middleware), and problem details from the app's own exception handlers. Anything else (sign-in,
tokens, operators, roles, docs, an unknown API) goes on to FastAPI.
"""

from __future__ import annotations

import inspect
import logging
from typing import Any

from fastapi import APIRouter, FastAPI
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.util.http import sanitize_method
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.config import PUBLIC_NAMES
from gateway.proxy.forward import GatewayProxy
from helpdesk_common.http.limits import BodySizeLimit
from helpdesk_common.http.unhandled import unhandled_problem

log = logging.getLogger(__name__)

_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def install(
    app: FastAPI, proxy: GatewayProxy, *own_routers: APIRouter, larger_bodies: dict[str, int] | None = None
) -> None:
    """The gateway's own routes, then the catch-all answering an unknown /api/<name> (which would shadow
    /api/auth and the rest if it came first), and this layer in front of the whole app
    (helpdesk_common.service.served)."""
    for router in own_routers:
        app.include_router(router)
    unknown = APIRouter()
    for path in ("/api/{public}", "/api/{public}/{rest:path}"):
        unknown.add_route(path, proxy.refuse_unknown, methods=_METHODS, include_in_schema=False)
    app.include_router(unknown)
    settings = app.state.settings
    app.state.front = GatewayFront(
        app,
        proxy=proxy,
        max_body_bytes=settings.http_max_body_bytes,
        larger_bodies=larger_bodies,
        traced=bool(settings.otlp_endpoint),
    )


class GatewayFront:
    def __init__(
        self,
        app: FastAPI,
        *,
        proxy: GatewayProxy,
        max_body_bytes: int,
        larger_bodies: dict[str, int] | None,
        traced: bool,
    ) -> None:
        self.app = app
        self.proxy = proxy
        limited = BodySizeLimit(self._forward, max_bytes=max_body_bytes, larger_for=larger_bodies)
        # With tracing on, OpenTelemetry's middleware: a span per request, none per body chunk (a 20 MB
        # upload has thousands); off, none, as in the services (helpdesk_common.http.app).
        self.forward: ASGIApp = (
            OpenTelemetryMiddleware(
                limited, default_span_details=_span_details, exclude_spans=["receive", "send"]
            )
            if traced
            else limited
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
        elif _proxied_name(scope["path"]) is not None:
            await self.forward(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _forward(self, scope: Scope, receive: Receive, send: Send) -> None:
        public = _proxied_name(scope["path"])
        assert public is not None
        request = Request(scope, receive)
        try:
            response = await self.proxy.forward(request, public)
        except ClientDisconnect:
            return  # the caller left, or sent more than the body limit (which answers for itself)
        except Exception as error:
            response = await self._problem(request, error)
        await response(scope, receive, send)

    async def _problem(self, request: Request, error: Exception) -> Response:
        """The answer the app's own exception handlers (helpdesk_common.http.problems) give."""
        handler = next(
            (
                self.app.exception_handlers[kind]
                for kind in type(error).__mro__
                if kind in self.app.exception_handlers
            ),
            None,
        )
        if handler is None:
            # As in the services: 503 when the database is away (an API token looked up during a
            # restart), 422 for text it cannot store, else a 500 problem.
            return unhandled_problem(error, request.method, request.url.path)
        response: Any = handler(request, error)
        return await response if inspect.isawaitable(response) else response


def _proxied_name(path: str) -> str | None:
    """`tickets` for /api/tickets and /api/tickets/..., None for any path the proxy does not own."""
    if not path.startswith("/api/"):
        return None
    name, _, _ = path[5:].partition("/")
    return name if name in PUBLIC_NAMES else None


def _span_details(scope: Scope) -> tuple[str, dict[str, str]]:
    """Named by the API, not the path: one span name per service instead of one per ticket."""
    route = f"/api/{_proxied_name(scope['path'])}/{{path}}"
    return f"{sanitize_method(scope['method'])} {route}", {"http.route": route}
