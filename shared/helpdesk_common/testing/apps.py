"""A service's app on a database of its own, called as the gateway calls it: what every service's
tests start from (`async with service_app(service, database, servers) as app: ...`)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from helpdesk_common.auth import INTERNAL_TOKEN_HEADER, Operator, generate_key_pair, mint_internal_token
from helpdesk_common.clock import Clock
from helpdesk_common.db import create_engine, create_session_factory
from helpdesk_common.service import ServiceDefinition, ServiceRuntime, build_app
from helpdesk_common.testing.infrastructure import TestServers
from helpdesk_common.testing.plugin import TestDatabase


@dataclass
class ServiceApp:
    """The app of an `api` process, in the test's process, on its role's own connection."""

    client: httpx.AsyncClient
    url: str
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    private_key: str

    def as_operator(
        self,
        *flags: str,
        departments: tuple[uuid.UUID, ...] = (),
        operator_id: uuid.UUID | None = None,
        username: str = "ada",
    ) -> dict[str, str]:
        """The headers the gateway would send for an operator with these flags."""
        operator = Operator(
            id=operator_id or uuid.uuid4(),
            username=username,
            flags=frozenset(flags),
            department_ids=frozenset(departments),
        )
        return {INTERNAL_TOKEN_HEADER: mint_internal_token(operator, private_key_pem=self.private_key)}


@asynccontextmanager
async def service_app(
    definition: ServiceDefinition,
    database: TestDatabase,
    servers: TestServers,
    *,
    clock: Clock | None = None,
    **settings: Any,
) -> AsyncIterator[ServiceApp]:
    """`settings` overrides the service's own settings (its settings class, from HELPDESK_* else);
    `clock` the system clock (a `SettableClock`)."""
    url = await database.add_service(definition)
    private_key, public_key = generate_key_pair()
    configured = definition.settings_class(
        service_name=definition.name,
        database_url=url,
        internal_token_public_key=public_key,
        nats_url=servers.nats_url,
        **settings,
    )
    engine = create_engine(url, schema=definition.schema, pool_size=4)
    sessions = create_session_factory(engine)
    app = build_app(definition, ServiceRuntime(configured, engine, sessions, clock=clock or Clock()))
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{definition.name}") as client:
            yield ServiceApp(client, url, engine, sessions, private_key)
    finally:
        await engine.dispose()
