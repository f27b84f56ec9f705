"""The gateway app on a real database of its own, and helpers to sign operators in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from starlette.types import ASGIApp

from gateway.config import GatewaySettings
from gateway.identity.operators.bootstrap import create_administrator
from gateway.identity.operators.schemas import OperatorCreate, OperatorOut
from gateway.identity.operators.service import create_operator
from gateway.main import service as gateway
from helpdesk_common.auth import generate_key_pair
from helpdesk_common.db import create_engine, create_session_factory
from helpdesk_common.service import ServiceRuntime, build_app
from helpdesk_common.testing.plugin import TestDatabase

PASSWORD = "correct horse battery"


@dataclass
class Gateway:
    client: httpx.AsyncClient
    runtime: ServiceRuntime
    database: TestDatabase
    public_key: str
    app: ASGIApp

    async def operator(self, username: str, *flags: str, active: bool = True) -> OperatorOut:
        async with self.runtime.session_factory() as session:
            created = await create_operator(
                session,
                data=OperatorCreate(
                    username=username,
                    email=f"{username}@example.com",
                    display_name=username.title(),
                    password=PASSWORD,
                    flags=list(flags),
                    active=active,
                ),
            )
            await session.commit()
            return created

    async def administrator(self, username: str = "admin") -> OperatorOut:
        async with self.runtime.session_factory() as session:
            created = await create_administrator(
                session,
                username=username,
                email=f"{username}@example.com",
                display_name="Admin",
                password=PASSWORD,
            )
            await session.commit()
            return created

    def new_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=self.client._transport, base_url="http://gateway")

    def client_from(self, address: str) -> httpx.AsyncClient:
        """A client whose requests come from `address`, with a cookie jar of its own."""
        transport = httpx.ASGITransport(app=self.app, client=(address, 50000))
        return httpx.AsyncClient(transport=transport, base_url="http://gateway")

    async def signed_in(self, username: str, password: str = PASSWORD) -> tuple[httpx.AsyncClient, str]:
        """A separate client (its own cookie jar) signed in as username, and its CSRF token."""
        client = self.new_client()
        response = await client.post("/api/auth/login", json={"username": username, "password": password})
        assert response.status_code == 200, response.text
        return client, response.json()["csrf_token"]

    async def bearer(self, username: str) -> dict[str, str]:
        client, csrf = await self.signed_in(username)
        response = await client.post(
            "/api/auth/tokens", json={"name": "test"}, headers={"X-CSRF-Token": csrf}
        )
        assert response.status_code == 201, response.text
        await client.aclose()
        return {"Authorization": f"Bearer {response.json()['token']}"}


@pytest.fixture
async def gateway_app(database: TestDatabase) -> AsyncIterator[Gateway]:
    async with gateway_with(database) as app:
        yield app


@asynccontextmanager
async def gateway_with(database: TestDatabase, **settings: Any) -> AsyncIterator[Gateway]:
    """The gateway app as `gateway_app` makes it, with `settings` in place of those defaults."""
    url = await database.add_service(gateway)
    private_key, public_key = generate_key_pair()
    configured = GatewaySettings(
        **{
            "database_url": url,
            "cookie_secure": False,  # the test client speaks plain HTTP
            "throttle_first_delay_seconds": 0.02,
            "throttle_longest_delay_seconds": 0.1,
            "internal_token_private_key": private_key,
            "internal_token_public_key": public_key,
            **settings,
        }
    )
    engine = create_engine(url, schema=gateway.schema, pool_size=4)
    runtime = ServiceRuntime(configured, engine, create_session_factory(engine))
    app = build_app(gateway, runtime)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            yield Gateway(client, runtime, database, public_key, app)
    finally:
        await engine.dispose()
