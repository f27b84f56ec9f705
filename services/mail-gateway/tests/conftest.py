"""The mail-gateway service on a real database of its own. Test modules cannot import from here (a
service's tests folder is no package), so everything they share is a fixture of plain types."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from helpdesk_common.auth import generate_key_pair
from helpdesk_common.db import create_engine, create_session_factory
from helpdesk_common.service import ServiceRuntime, build_app
from helpdesk_common.testing.infrastructure import TestServers
from helpdesk_common.testing.plugin import TestDatabase
from mail_gateway.config import MailGatewaySettings
from mail_gateway.main import service


@pytest.fixture
async def url(database: TestDatabase) -> str:
    """The service role's own URL, its schema migrated."""
    return await database.add_service(service)


@pytest.fixture
def key_pair() -> tuple[str, str]:
    return generate_key_pair()


@pytest.fixture
async def engine(url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(url, schema=service.schema, pool_size=4)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(engine)


@pytest.fixture
async def client(
    url: str,
    key_pair: tuple[str, str],
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    servers: TestServers,
) -> AsyncIterator[httpx.AsyncClient]:
    """The app of an `api` process, in this process."""
    settings = MailGatewaySettings(
        database_url=url, internal_token_public_key=key_pair[1], nats_url=servers.nats_url
    )
    app = build_app(service, ServiceRuntime(settings, engine, sessions))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://mail-gateway"
    ) as client:
        yield client
