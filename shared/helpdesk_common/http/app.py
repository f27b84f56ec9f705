"""The FastAPI app of a service: problem details, body limits, health and readiness, tracing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from opentelemetry import context, propagate
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from starlette.types import ASGIApp, Receive, Scope, Send

from helpdesk_common.config import HelpdeskSettings
from helpdesk_common.http.limits import BodySizeLimit
from helpdesk_common.http.openapi import install_openapi
from helpdesk_common.http.problems import install_problem_handlers
from helpdesk_common.http.unhandled import UnhandledErrors

ReadinessCheck = Callable[[], Awaitable[None]]


def create_app(
    *,
    title: str,
    settings: HelpdeskSettings,
    readiness_checks: dict[str, ReadinessCheck],
    larger_bodies: dict[str, int] | None = None,
    **fastapi_options: Any,
) -> FastAPI:
    app = FastAPI(title=title, **fastapi_options)
    app.state.settings = settings
    install_problem_handlers(app)
    install_openapi(app)
    app.add_middleware(UnhandledErrors)
    app.add_middleware(BodySizeLimit, max_bytes=settings.http_max_body_bytes, larger_for=larger_bodies)

    @app.get("/healthz", tags=["health"], include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"], include_in_schema=False)
    async def readyz() -> JSONResponse:
        results: dict[str, str] = {}
        for name, check in readiness_checks.items():
            try:
                await check()
                results[name] = "ok"
            except Exception as error:
                results[name] = f"failed: {error.__class__.__name__}"
        ready = all(result == "ok" for result in results.values())
        return JSONResponse(
            {"status": "ready" if ready else "not ready", "checks": results},
            status_code=200 if ready else 503,
        )

    if settings.otlp_endpoint:
        FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz")
    else:
        app.add_middleware(TraceContext)
    return app


class TraceContext:
    """Without an exporter no span is recorded, but the caller's trace still has to go on: into the
    outbox, the logs and the next hop. The instrumentation would do that too, at a cost per small
    request that `make bench-tickets` shows (it names every request by matching the routes once
    more)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        carrier = {
            name.decode("latin-1"): value.decode("latin-1")
            for name, value in scope["headers"]
            if name in _TRACE_HEADERS
        }
        if not carrier:
            await self.app(scope, receive, send)
            return
        token = context.attach(propagate.extract(carrier))
        try:
            await self.app(scope, receive, send)
        finally:
            context.detach(token)


_TRACE_HEADERS = frozenset({b"traceparent", b"tracestate"})
