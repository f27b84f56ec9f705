"""The ticketing app on a real database of its own, called with internal tokens as the gateway mints them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from helpdesk_common.contracts.identity import OperatorData, OperatorSnapshot, OperatorUpserted
from helpdesk_common.contracts.sla import (
    SlaDeadlines,
    SlaDeadlinesSet,
    SlaDefinitionData,
    SlaDefinitionSnapshot,
    SlaDefinitionUpserted,
)
from helpdesk_common.db import libpq_url
from helpdesk_common.files import DEFAULT_BLOCKED_EXTENSIONS
from helpdesk_common.testing.apps import ServiceApp, service_app
from helpdesk_common.testing.infrastructure import TestServers
from helpdesk_common.testing.plugin import TestDatabase
from ticketing.main import service as ticketing
from ticketing.projections.consumers import on_sla_upserted, operators_projection
from ticketing.projections.sla_deadlines import on_sla_deadlines_set


@dataclass
class Ticketing(ServiceApp):
    """The shared service app, with the records most tests need made the way ticketing learns them."""

    database: TestDatabase = field(kw_only=True)

    @property
    def session_factory(self) -> async_sessionmaker[AsyncSession]:
        return self.sessions

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
            await operators_projection.upserted(session, event)
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
        **rest: Any,
    ) -> None:
        """The SLA engine's answer to a ticket (`sla_deadlines_set`), applied by the real handler; `rest`
        are its other fields (thresholds, outcomes, pause, revision)."""
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
                **rest,
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
    async with service_app(ticketing, database, servers) as app:
        yield Ticketing(app.client, app.url, app.engine, app.sessions, app.private_key, database=database)
