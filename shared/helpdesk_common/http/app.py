"""The FastAPI app of a service: problem details, body limits, health and readiness, tracing."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.util.http import sanitize_method
from starlette.types import Scope

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
            # The service named, so a probe that reached another process on the port can tell.
            {
                "status": "ready" if ready else "not ready",
                "service": settings.service_name,
                "checks": results,
            },
            status_code=200 if ready else 503,
        )

    if settings.otlp_endpoint:
        # Only with tracing on: with no span to record, OpenTelemetry's middleware still costs a large
        # share of a small request (`make bench-tickets`), and there is no trace to carry on.
        app.add_middleware(
            OpenTelemetryMiddleware,
            excluded_urls="healthz,readyz",
            default_span_details=span_details,
            exclude_spans=["receive", "send"],
        )
    return app


def span_details(scope: Scope) -> tuple[str, dict[str, str]]:
    """A span's name without ids, one per kind of request, cheaply: the method and the path's first
    part when it names a collection (`GET /labels/…`), `{id}` when it is one (`POST /{id}/…`)."""
    parts = scope["path"].strip("/").split("/")
    first = parts[0]
    head = first if _COLLECTION.match(first) else "{id}" if first else ""
    route = "/" + head + ("/…" if len(parts) > 1 else "")
    return f"{sanitize_method(scope['method'])} {route}", {"http.route": route}


_COLLECTION = re.compile(r"^[a-z][a-z-]*$")
