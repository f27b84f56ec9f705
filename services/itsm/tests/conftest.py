"""The itsm service's app on a real database of its own, called as the gateway calls it
(helpdesk_common.testing.apps), with a clock the test sets. Test modules cannot import from here (a
service's tests folder is no package), so what they share is a fixture: `app`, the bare app; `desk`,
the app with operators to call it as, alerts correlated through the real handler, inventory and SLA
records announced through the real consumers, and the outbox to read."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import nats
import orjson
import pytest
from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert

from helpdesk_common.bus.topology import ensure_consumer
from helpdesk_common.clock import SettableClock
from helpdesk_common.contracts.alerts import Alert, AlertData
from helpdesk_common.contracts.envelope import EventEnvelope
from helpdesk_common.contracts.identity import OperatorData, OperatorSnapshot, OperatorUpserted
from helpdesk_common.db import create_engine, create_session_factory
from helpdesk_common.testing.apps import ServiceApp, service_app
from helpdesk_common.testing.infrastructure import TestServers
from helpdesk_common.testing.plugin import TestDatabase
from itsm.alerts.correlation import alerts_consumer, correlate
from itsm.consumers import operators_projection
from itsm.main import service
from itsm.tables import sla_definitions

START = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
VIEW = "incidents.view"
MANAGE = "incidents.manage"
ADMIN = "itsm.settings.manage"


@pytest.fixture
async def app(database: TestDatabase, servers: TestServers) -> AsyncIterator[ServiceApp]:
    async with service_app(service, database, servers) as running:
        yield running


@dataclass
class Person:
    desk: Desk
    username: str
    flags: tuple[str, ...]
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    @property
    def headers(self) -> dict[str, str]:
        return self.desk.app.as_operator(*self.flags, operator_id=self.id, username=self.username)


@dataclass
class Desk:
    app: ServiceApp
    database: TestDatabase
    servers: TestServers
    clock: SettableClock

    @property
    def client(self) -> Any:
        return self.app.client

    async def person(self, username: str, *flags: str) -> Person:
        """An operator the gateway announced (through the real projection) with these flags."""
        person = Person(self, username, flags)
        snapshot = OperatorSnapshot(
            id=person.id,
            username=username,
            email=f"{username}@example.com",
            display_name=username.title(),
            active=True,
        )
        event = OperatorUpserted.build(
            source="gateway", subject=str(person.id), data=OperatorData(operator=snapshot)
        )
        await self.apply(operators_projection.upserted, event)
        return person

    async def apply(self, handler: Any, event: EventEnvelope[Any]) -> None:
        async with self.app.sessions() as session, session.begin():
            await handler(session, event)

    def alert(self, source: str = "nagios", *, at: datetime | None = None, **data: Any) -> Alert:
        """An alert envelope; `data` is the AlertData (payload fields under `payload`)."""
        alert = Alert.from_source(source, AlertData.model_validate(data))
        return alert.model_copy(update={"time": at or self.clock.now()})

    def trigger(
        self,
        host: str = "web-01",
        rule: str | None = "cpu_high",
        *,
        dedup_key: str | None = None,
        severity: str = "critical",
        source: str = "nagios",
        at: datetime | None = None,
        **payload: Any,
    ) -> Alert:
        body: dict[str, Any] = {
            "event_action": "trigger",
            "payload": {
                "summary": f"{rule} on {host}",
                "source": host,
                "severity": severity,
                "rule": rule,
                **payload,
            },
        }
        if dedup_key is not None:
            body["dedup_key"] = dedup_key
        return self.alert(source, at=at, **body)

    async def correlate(self, *alerts: Alert) -> None:
        """One batch through the correlator, in one transaction (as the consumer applies it)."""
        async with self.app.sessions() as session, session.begin():
            await correlate(session, list(alerts), now=self.clock.now())

    async def sla(self, name: str = "Gold", **fields: Any) -> uuid.UUID:
        sla_id = uuid.uuid4()
        async with self.app.sessions() as session, session.begin():
            await session.execute(
                insert(sla_definitions).values(
                    id=sla_id,
                    name=name,
                    response_hours=1,
                    resolution_hours=4,
                    changed_at=self.clock.now(),
                    **fields,
                )
            )
        return sla_id

    async def incidents(self, **params: Any) -> list[dict[str, Any]]:
        reader = Person(self, "reader", (VIEW,))
        answer = await self.client.get("/incidents", params={"limit": 200, **params}, headers=reader.headers)
        assert answer.status_code == 200, answer.text
        return list(answer.json()["items"])

    async def incident(self, incident_id: Any) -> dict[str, Any]:
        reader = Person(self, "reader", (VIEW,))
        answer = await self.client.get(f"/incidents/{incident_id}", headers=reader.headers)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    async def timeline(self, incident_id: Any) -> list[dict[str, Any]]:
        reader = Person(self, "reader", (VIEW,))
        answer = await self.client.get(f"/incidents/{incident_id}/timeline", headers=reader.headers)
        assert answer.status_code == 200, answer.text
        return list(answer.json())

    def at(self, **delta: float) -> datetime:
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

    @contextlib.asynccontextmanager
    async def correlators(self, replicas: int = 1) -> AsyncIterator[None]:
        """The correlator as the consumers role runs it, in `replicas` processes' worth of consumers
        (each with its own connections) sharing the one durable."""
        stop = asyncio.Event()
        clients = [await nats.connect(self.servers.nats_url) for _ in range(replicas)]
        engines = [create_engine(self.app.url, schema="itsm", pool_size=2) for _ in range(replicas)]
        await ensure_consumer(clients[0].jetstream(), alerts_consumer.spec)
        tasks = [
            asyncio.create_task(alerts_consumer.run(client, create_session_factory(engine), stop))
            for client, engine in zip(clients, engines, strict=True)
        ]
        try:
            yield
        finally:
            stop.set()
            await asyncio.gather(*tasks)
            for client in clients:
                await client.close()
            for engine in engines:
                await engine.dispose()


@pytest.fixture
async def desk(database: TestDatabase, servers: TestServers) -> AsyncIterator[Desk]:
    clock = SettableClock(START)
    async with service_app(service, database, servers, clock=clock) as running:
        yield Desk(running, database, servers, clock)
