"""The ticketing app on a real database of its own, called with internal tokens as the gateway mints them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from helpdesk_common.auth import INTERNAL_TOKEN_HEADER, Operator, generate_key_pair, mint_internal_token
from helpdesk_common.contracts.identity import OperatorData, OperatorSnapshot, OperatorUpserted
from helpdesk_common.contracts.sla import (
    SlaDeadlines,
    SlaDeadlinesSet,
    SlaDefinitionData,
    SlaDefinitionSnapshot,
    SlaDefinitionUpserted,
)
from helpdesk_common.db import create_engine, create_session_factory, libpq_url
from helpdesk_common.files import DEFAULT_BLOCKED_EXTENSIONS
from helpdesk_common.service import ServiceRuntime, build_app
from helpdesk_common.testing.infrastructure import TestServers
from helpdesk_common.testing.plugin import TestDatabase
from ticketing.config import TicketingSettings
from ticketing.main import service as ticketing
from ticketing.projections.consumers import on_operator_upserted, on_sla_upserted
from ticketing.projections.sla_deadlines import on_sla_deadlines_set


@dataclass
class Ticketing:
    client: httpx.AsyncClient
    database: TestDatabase
    private_key: str
    session_factory: async_sessionmaker[AsyncSession]

    def as_operator(
        self,
        *flags: str,
        departments: tuple[uuid.UUID, ...] = (),
        operator_id: uuid.UUID | None = None,
        username: str = "ada",
    ) -> dict[str, str]:
        operator = Operator(
            id=operator_id or uuid.uuid4(),
            username=username,
            flags=frozenset(flags),
            department_ids=frozenset(departments),
        )
        return {INTERNAL_TOKEN_HEADER: mint_internal_token(operator, private_key_pem=self.private_key)}

    async def switch_module(self, enabled: bool) -> None:
        response = await self.client.put(
            "/settings",
            json={
                "ticket_system_enabled": enabled,
                "ticket_number_prefix": "TKT",
                "blocked_extensions": list(DEFAULT_BLOCKED_EXTENSIONS),
            },
            headers=self.as_operator("settings_system_enabled"),
        )
        assert response.status_code == 200, response.text
        self.client._transport.app.state.ticket_system_switch = None  # type: ignore[attr-defined]

    async def operator_known(
        self, username: str, default_department_id: uuid.UUID | None = None
    ) -> uuid.UUID:
        """An operator as the gateway announces one, applied by the real projection handler."""
        event = OperatorUpserted.build(
            source="gateway",
            subject="operator",
            data=OperatorData(
                operator=OperatorSnapshot(
                    id=uuid.uuid4(),
                    username=username,
                    email=f"{username}@example.com",
                    display_name=username.title(),
                    active=True,
                    default_department_id=default_department_id,
                )
            ),
        )
        async with self.session_factory() as session, session.begin():
            await on_operator_upserted(session, event)
        return event.data.operator.id

    async def sla_known(self, name: str, priority_override: str | None = None) -> uuid.UUID:
        snapshot = SlaDefinitionSnapshot.model_validate(
            {"id": uuid.uuid4(), "name": name, "response_hours": 4, "priority_override": priority_override}
        )
        event = SlaDefinitionUpserted.build(
            source="sla-engine", subject="sla", data=SlaDefinitionData(sla=snapshot)
        )
        async with self.session_factory() as session, session.begin():
            await on_sla_upserted(session, event)
        return event.data.sla.id

    async def deadlines_set(
        self,
        ticket: dict[str, Any],
        sla_id: uuid.UUID | None,
        response_due_at: datetime | None,
        resolution_due_at: datetime | None,
    ) -> None:
        """The SLA engine's answer to a ticket (`sla_deadlines_set`), applied by the real handler."""
        event = SlaDeadlinesSet.build(
            source="sla-engine",
            subject=ticket["id"],
            data=SlaDeadlines(
                ticket_id=ticket["id"],
                ticket_number=ticket["number"],
                department_id=ticket["department"]["id"] if ticket["department"] else None,
                sla_id=sla_id,
                response_due_at=response_due_at,
                resolution_due_at=resolution_due_at,
            ),
        )
        async with self.session_factory() as session, session.begin():
            await on_sla_deadlines_set(session, event)

    async def sql(self, query: str) -> list[asyncpg.Record]:
        connection = await asyncpg.connect(libpq_url(self.database.url))
        try:
            return list(await connection.fetch(query))
        finally:
            await connection.close()


@pytest.fixture
async def ticketing_app(database: TestDatabase, servers: TestServers) -> AsyncIterator[Ticketing]:
    url = await database.add_service(ticketing)
    private_key, public_key = generate_key_pair()
    settings = TicketingSettings(
        database_url=url, internal_token_public_key=public_key, nats_url=servers.nats_url
    )
    engine = create_engine(url, schema=ticketing.schema, pool_size=4)
    app = build_app(ticketing, ServiceRuntime(settings, engine, create_session_factory(engine)))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://ticketing"
    ) as client:
        yield Ticketing(client, database, private_key, create_session_factory(engine))
    await engine.dispose()
