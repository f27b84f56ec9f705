"""The SLA engine on a real database of its own, called with internal tokens as the gateway mints
them. Test modules cannot import from here (the folder name has a hyphen), so everything they share
is a fixture of plain types."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime

import asyncpg
import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from helpdesk_common.contracts.ticketing import TicketSettingsChanged, TicketSettingsData
from helpdesk_common.db import libpq_url
from helpdesk_common.testing.apps import ServiceApp, service_app
from helpdesk_common.testing.infrastructure import TestServers
from helpdesk_common.testing.plugin import TestDatabase
from sla_engine.main import service as sla_engine
from sla_engine.projections import on_ticket_settings_changed

Headers = Callable[..., dict[str, str]]
Sql = Callable[[str], Awaitable[list[asyncpg.Record]]]
Switch = Callable[[bool], Awaitable[None]]


@pytest.fixture
async def sla_app(database: TestDatabase, servers: TestServers) -> AsyncIterator[ServiceApp]:
    async with service_app(sla_engine, database, servers) as app:
        yield app


@pytest.fixture
def sla_url(sla_app: ServiceApp) -> str:
    """The sla-engine role's own URL, schema migrated."""
    return sla_app.url


@pytest.fixture
def sessions(sla_app: ServiceApp) -> async_sessionmaker[AsyncSession]:
    return sla_app.sessions


@pytest.fixture
def sla_client(sla_app: ServiceApp) -> httpx.AsyncClient:
    return sla_app.client


@pytest.fixture
def as_operator(sla_app: ServiceApp) -> Headers:
    """`as_operator("tickets_enabled", "tickets_manage_sla")`: the headers the gateway would send."""
    return sla_app.as_operator


@pytest.fixture
def switch_module(sessions: async_sessionmaker[AsyncSession], sla_client: httpx.AsyncClient) -> Switch:
    """Ticketing's `ticket_settings_changed`, applied by the real projection handler."""

    async def switch(enabled: bool) -> None:
        event = TicketSettingsChanged.build(
            source="ticketing",
            subject="settings",
            data=TicketSettingsData(
                ticket_system_enabled=enabled, ticket_number_prefix="TKT", blocked_extensions=[]
            ),
        )
        async with sessions() as session, session.begin():
            await on_ticket_settings_changed(session, event)
        # The process caches the switch for a second; a test need not wait for it.
        sla_client._transport.app.state.ticket_system_switch = None  # type: ignore[attr-defined]

    return switch


@pytest.fixture
def sql(database: TestDatabase, sla_url: str) -> Sql:
    async def run(query: str) -> list[asyncpg.Record]:
        connection = await asyncpg.connect(libpq_url(database.url))
        try:
            return list(await connection.fetch(query))
        finally:
            await connection.close()

    return run


@pytest.fixture
def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
