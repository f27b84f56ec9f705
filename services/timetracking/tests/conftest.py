"""The timetracking service's app on a real database of its own, called as the gateway calls it
(helpdesk_common.testing.apps), with a clock the test sets. Test modules cannot import from here (a
service's tests folder is no package), so what they share is a fixture: `app`, the bare app; `desk`,
the app with the module switched on, two departments and tickets announced by the real projection
handlers, operators to call it as, and the outbox to read."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from sqlalchemy import text

from helpdesk_common.clock import SettableClock
from helpdesk_common.contracts.envelope import EventEnvelope
from helpdesk_common.contracts.ticketing import (
    DepartmentChanged,
    DepartmentData,
    DepartmentRemoved,
    DepartmentSnapshot,
    TicketSettingsChanged,
    TicketSettingsData,
)
from helpdesk_common.contracts.tickets import TicketChangeData, TicketCreated, TicketDeleted, TicketSnapshot
from helpdesk_common.testing.apps import ServiceApp, service_app
from helpdesk_common.testing.infrastructure import TestServers
from helpdesk_common.testing.plugin import TestDatabase
from timetracking.main import service
from timetracking.projections import departments_projection, module_switch_projection
from timetracking.ticket_events import tickets_consumer
from timetracking.timer.sweep import sweep_once

# A Tuesday morning in Berlin (08:00 UTC), far from any change of the clocks.
START = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
MODULE = "tickets_enabled"


@pytest.fixture
async def app(database: TestDatabase, servers: TestServers) -> AsyncIterator[ServiceApp]:
    async with service_app(service, database, servers) as running:
        yield running


@dataclass
class Person:
    """An operator as the gateway vouches for them: the same id on every call, to the desk's app of
    the moment."""

    desk: Desk
    username: str
    flags: tuple[str, ...]
    departments: tuple[uuid.UUID, ...]
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    @property
    def headers(self) -> dict[str, str]:
        return self.desk.app.as_operator(
            *self.flags, departments=self.departments, operator_id=self.id, username=self.username
        )


@dataclass
class Desk:
    app: ServiceApp
    database: TestDatabase
    servers: TestServers
    clock: SettableClock
    support: uuid.UUID = field(default_factory=uuid.uuid4)
    sales: uuid.UUID = field(default_factory=uuid.uuid4)
    numbers: int = 0

    @property
    def client(self) -> Any:
        return self.app.client

    def person(self, username: str, *flags: str, departments: tuple[uuid.UUID, ...] | None = None) -> Person:
        """An operator with the module's flag and these, a member of Support unless told otherwise."""
        return Person(
            self, username, (MODULE, *flags), (self.support,) if departments is None else departments
        )

    async def apply(self, handler: Any, event: EventEnvelope[Any]) -> None:
        async with self.app.sessions() as session, session.begin():
            await handler(session, event)

    async def switch_module(self, enabled: bool) -> None:
        event = TicketSettingsChanged.build(
            source="ticketing",
            subject="settings",
            data=TicketSettingsData(
                ticket_system_enabled=enabled, ticket_number_prefix="TKT", blocked_extensions=[]
            ),
        )
        await self.apply(module_switch_projection.changed, event)
        # The process caches the switch for a second; a test need not wait for it.
        self.client._transport.app.state.ticket_system_switch = None

    async def department(self, department_id: uuid.UUID, name: str) -> None:
        snapshot = DepartmentSnapshot(id=department_id, name=name, enabled=True)
        event = DepartmentChanged.build(
            source="ticketing", subject=str(department_id), data=DepartmentData(department=snapshot)
        )
        await self.apply(departments_projection.changed, event)

    async def remove_department(self, department_id: uuid.UUID) -> None:
        snapshot = DepartmentSnapshot(id=department_id, name="Gone", enabled=False)
        event = DepartmentRemoved.build(
            source="ticketing", subject=str(department_id), data=DepartmentData(department=snapshot)
        )
        await self.apply(departments_projection.removed, event)

    def snapshot(self, ticket_id: uuid.UUID | None = None, **fields: Any) -> TicketSnapshot:
        self.numbers += 1
        values = {
            "id": ticket_id or uuid.uuid4(),
            "number": f"TKT-{self.numbers:06d}",
            "title": "Printer on fire",
            "status": "open",
            "priority": "medium",
            "source": "manual",
            "department_id": self.support,
            "created_at": START - timedelta(days=30),
            "updated_at": START - timedelta(days=30),
            **fields,
        }
        return TicketSnapshot.model_validate(values)

    async def ticket(self, **fields: Any) -> TicketSnapshot:
        """A ticket ticketing announced (ticket_created through the real handler)."""
        snapshot = self.snapshot(**fields)
        event = TicketCreated.build(
            source="ticketing", subject=str(snapshot.id), data=TicketChangeData(ticket=snapshot)
        )
        await self.apply(tickets_consumer.handlers.single[TicketCreated], event)
        return snapshot

    async def delete_ticket(self, ticket: TicketSnapshot) -> None:
        event = TicketDeleted.build(
            source="ticketing", subject=str(ticket.id), data=TicketChangeData(ticket=ticket)
        )
        await self.apply(tickets_consumer.handlers.single[TicketDeleted], event)

    async def settings(self, department_id: uuid.UUID | None = None, **values: Any) -> dict[str, Any]:
        manager = self.person("lead", "tickets_manage_departments")
        answer = await self.client.put(
            f"/departments/{department_id or self.support}/time-tracking",
            json=values,
            headers=manager.headers,
        )
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    async def book(self, person: Person, ticket: TicketSnapshot, expect: int = 201, **body: Any) -> Any:
        answer = await self.client.post(
            f"/tickets/{ticket.id}/entries", json={"date": "2026-03-10", **body}, headers=person.headers
        )
        assert answer.status_code == expect, answer.text
        return answer.json()

    async def entries(self, person: Person, ticket: TicketSnapshot, time_zone: str = "UTC") -> dict[str, Any]:
        answer = await self.client.get(
            f"/tickets/{ticket.id}/entries", params={"time_zone": time_zone}, headers=person.headers
        )
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    async def timer(
        self, person: Person, ticket: TicketSnapshot, action: str = "heartbeat"
    ) -> dict[str, Any]:
        path = f"/tickets/{ticket.id}/timer"
        if action == "read":
            answer = await self.client.get(path, headers=person.headers)
        else:
            answer = await self.client.post(f"{path}/{action}", headers=person.headers)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    async def sweep(self) -> int:
        return await sweep_once(self.app.sessions, now=self.clock.now())

    def at(self, **delta: float) -> datetime:
        """The clock moved on by this much from START."""
        self.clock.set(START + timedelta(**delta))
        return self.clock.now()

    async def sql(self, query: str, **arguments: Any) -> list[Any]:
        async with self.app.engine.begin() as connection:
            result = await connection.execute(text(query), arguments)
            return list(result) if result.returns_rows else []

    async def published(self, *types: str) -> list[dict[str, Any]]:
        """The outbox's events of these types, oldest first, with the subject they go out on."""
        rows = await self.sql("SELECT event_type, subject, payload FROM outbox ORDER BY id")
        return [
            {**orjson.loads(row.payload), "bus_subject": row.subject}
            for row in rows
            if not types or row.event_type in types
        ]

    @asynccontextmanager
    async def restarted(self) -> AsyncIterator[None]:
        """The same database served by a new app (a process started again, with keys of its own)."""
        async with service_app(service, self.database, self.servers, clock=self.clock) as running:
            first, self.app = self.app, running
            try:
                yield
            finally:
                self.app = first


@pytest.fixture
async def desk(database: TestDatabase, servers: TestServers) -> AsyncIterator[Desk]:
    clock = SettableClock(START)
    async with service_app(service, database, servers, clock=clock) as running:
        found = Desk(running, database, servers, clock)
        await found.switch_module(True)
        await found.department(found.support, "Support")
        await found.department(found.sales, "Sales")
        yield found
