"""The gateway: the one public door. It signs operators in, checks their credentials on every
request, proxies `/api/<service>/...` to the services with a short-lived internal token, and serves
the web console at / beside them."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from gateway.config import GatewaySettings
from gateway.console import install_console
from gateway.identity.authentication import Authenticator
from gateway.identity.memberships import memberships_consumer
from gateway.identity.operators.routes import router as operators_router
from gateway.identity.roles.routes import router as roles_router
from gateway.identity.signin.routes import router as signin_router
from gateway.identity.tokens.routes import router as tokens_router
from gateway.openapi import install_merged_openapi
from gateway.proxy import GatewayProxy, install
from gateway.tables import metadata
from helpdesk_common.service import ServiceDefinition, ServiceRuntime


def configure_api(app: FastAPI, runtime: ServiceRuntime) -> None:
    settings = runtime.settings
    assert isinstance(settings, GatewaySettings)
    app.state.authenticator = Authenticator(runtime.session_factory, settings)
    upstreams = settings.upstreams()
    proxy = GatewayProxy(
        app.state.authenticator,
        upstreams=upstreams,
        private_key_pem=settings.internal_token_private_key,
        token_ttl_seconds=settings.internal_token_ttl_seconds,
    )
    app.state.proxy = proxy
    install(
        app,
        proxy,
        signin_router,
        tokens_router,
        operators_router,
        roles_router,
        larger_bodies=service.larger_bodies(settings) if service.larger_bodies else None,
    )
    install_merged_openapi(app, upstreams)
    install_console(app, settings.console_dir)


service = ServiceDefinition(
    name="gateway",
    schema="identity",
    title="Helpdesk API",
    migrations_dir=Path(__file__).parent / "migrations",
    tables=metadata,
    configure_api=configure_api,
    settings_class=GatewaySettings,
    consumers=[memberships_consumer],
    # Attachment uploads stream through to ticketing, which enforces its own limit and types.
    larger_bodies=lambda settings: {
        r"^/api/tickets/[^/]+/attachments$": settings.attachment_max_bytes  # type: ignore[attr-defined]
    },
)
