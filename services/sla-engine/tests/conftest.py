"""The SLA engine on a real database of its own, called with internal tokens as the gateway mints
them. Test modules cannot import from here (the folder name has a hyphen), so everything they share
is a fixture of plain types."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime

import asyncpg
import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from helpdesk_common.auth import INTERNAL_TOKEN_HEADER, Operator, generate_key_pair, mint_internal_token
from helpdesk_common.contracts.ticketing import TicketSettingsChanged, TicketSettingsData
from helpdesk_common.db import create_engine, create_session_factory, libpq_url
from helpdesk_common.service import ServiceRuntime, build_app
from helpdesk_common.testing.infrastructure import TestServers
from helpdesk_common.testing.plugin import TestDatabase
from sla_engine.config import SlaEngineSettings
from sla_engine.main import service as sla_engine
from sla_engine.projections import on_ticket_settings_changed

Headers = Callable[..., dict[str, str]]
Sql = Callable[[str], Awaitable[list[asyncpg.Record]]]
Switch = Callable[[bool], Awaitable[None]]


@pytest.fixture
async def sla_url(database: TestDatabase) -> str:
    """The sla-engine role's own URL, schema migrated."""
    return await database.add_service(sla_engine)


@pytest.fixture
def key_pair() -> tuple[str, str]:
    return generate_key_pair()


@pytest.fixture
async def sla_engine_db(sla_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(sla_url, schema=sla_engine.schema, pool_size=4)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(sla_engine_db: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(sla_engine_db)


@pytest.fixture
async def sla_client(
    sla_url: str,
    key_pair: tuple[str, str],
    sla_engine_db: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    servers: TestServers,
) -> AsyncIterator[httpx.AsyncClient]:
    settings = SlaEngineSettings(
        database_url=sla_url, internal_token_public_key=key_pair[1], nats_url=servers.nats_url
    )
    app = build_app(sla_engine, ServiceRuntime(settings, sla_engine_db, sessions))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sla") as client:
        yield client


@pytest.fixture
def as_operator(key_pair: tuple[str, str]) -> Headers:
    """`as_operator("tickets_enabled", "tickets_manage_sla")`: the headers the gateway would send."""

    def headers(*flags: str) -> dict[str, str]:
        operator = Operator(id=uuid.uuid4(), username="ada", flags=frozenset(flags))
        return {INTERNAL_TOKEN_HEADER: mint_internal_token(operator, private_key_pem=key_pair[0])}

    return headers


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
