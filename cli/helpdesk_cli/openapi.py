"""The platform's OpenAPI document made offline: every service's app built with nothing started or
connected, and merged as the gateway merges what the running services answer at /openapi.json."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI

from helpdesk_cli.services import all_services
from helpdesk_common.auth import generate_key_pair
from helpdesk_common.db import create_engine, create_session_factory
from helpdesk_common.service import ServiceDefinition, ServiceRuntime, build_app

# Engines connect on first use, and building an app uses none: this database is never asked.
OFFLINE_DATABASE_URL = "postgresql://offline.invalid/helpdesk"


def platform_document() -> dict[str, Any]:
    """What GET /openapi.json answers on a gateway with every service behind it."""
    private_key, public_key = generate_key_pair()
    apps = {
        name: _offline_app(definition, private_key=private_key, public_key=public_key)
        for name, definition in all_services().items()
    }
    gateway = apps.pop("gateway")
    # Through JSON, as the gateway receives them from the services.
    documents = {name: json.loads(json.dumps(app.openapi())) for name, app in apps.items()}
    merged: dict[str, Any] = gateway.state.openapi.merged(documents)
    return merged


def rendered(document: dict[str, Any]) -> str:
    """The same bytes for the same document, whatever order it was built in."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _offline_app(definition: ServiceDefinition, *, private_key: str, public_key: str) -> FastAPI:
    settings = definition.settings_class(
        service_name=definition.name,
        database_url=OFFLINE_DATABASE_URL,
        internal_token_private_key=private_key,
        internal_token_public_key=public_key,
    )
    engine = create_engine(settings.database_url, schema=definition.schema, pool_size=1)
    return build_app(definition, ServiceRuntime(settings, engine, create_session_factory(engine)))
