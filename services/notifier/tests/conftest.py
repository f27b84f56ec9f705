"""The notifier service's app on a real database of its own, called as the gateway calls it
(helpdesk_common.testing.apps). Test modules cannot import from here (a service's tests folder is no
package), so what they share is a fixture: `app`, the bare app; `notifier`, the app with the module
switched on and a department announced (by the real projection handlers), a secret key and loopback
admitted by the allow-list; `receiver`, a real HTTP receiver on loopback that answers as a test
scripts it; `workers`, the webhook-worker role (the ticket- and incident-event consumers and the
worker loop) on the real bus in this process, on a shortened retry schedule; `new_incident_event`,
an incident event as the itsm service publishes it."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import nats
import pytest
from aiohttp import web
from cryptography.fernet import Fernet
from nats.aio.client import Client
from nats.js import JetStreamContext
from sqlalchemy import text

from helpdesk_common.bus.topology import ensure_consumer
from helpdesk_common.contracts.itsm import FieldChange, IncidentChangeData, IncidentCreated, IncidentSnapshot
from helpdesk_common.contracts.ticketing import (
    DepartmentChanged,
    DepartmentData,
    DepartmentSnapshot,
    TicketSettingsChanged,
    TicketSettingsData,
)
from helpdesk_common.contracts.tickets import TicketChangeData, TicketCreated, TicketSnapshot
from helpdesk_common.embedded import free_port
from helpdesk_common.testing.apps import ServiceApp, service_app
from helpdesk_common.testing.infrastructure import TestServers
from helpdesk_common.testing.plugin import TestDatabase
from notifier.config import NotifierSettings
from notifier.deliveries import consumers as delivery_consumers
from notifier.deliveries.worker import DeliveryWorker
from notifier.main import service
from notifier.projections import departments_projection, module_switch_projection

MANAGER = ("tickets_enabled", "tickets_manage_webhooks")
INCIDENTS = "incidents.manage"
# Retries within a test's patience: the first after 0.2 s, doubling up to 0.4 s, failed after 3 s.
QUICK: dict[str, Any] = {
    "webhook_allowed_networks": "127.0.0.1/32",
    "webhook_timeout_seconds": 2.0,
    "webhook_retry_first_seconds": 0.2,
    "webhook_retry_longest_seconds": 0.4,
    "webhook_give_up_after_seconds": 3.0,
    "webhook_lease_seconds": 3.0,
    "webhook_poll_seconds": 0.1,
    "console_url": "https://desk.example.com",
}


async def eventually(check: Callable[[], Awaitable[Any]], *, within: float = 20.0, what: str = "") -> Any:
    """The check's first truthy answer, asked every 0.05 s."""
    deadline = time.monotonic() + within
    while True:
        answer = await check()
        if answer:
            return answer
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within:g} s: {what or check}")
        await asyncio.sleep(0.05)


@pytest.fixture
async def app(database: TestDatabase, servers: TestServers) -> AsyncIterator[ServiceApp]:
    async with service_app(service, database, servers) as running:
        yield running


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    text: str = "ok"
    # Held until set: the request has arrived (`arrived`) and waits for its answer.
    hold: asyncio.Event | None = None


@dataclass
class Receiver:
    port: int
    received: list[Received] = field(default_factory=list)
    script: dict[str, list[Answer]] = field(default_factory=dict)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    holds: list[asyncio.Event] = field(default_factory=list)

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def answer(
        self,
        path: str,
        status: int,
        *,
        times: int = 1,
        headers: dict[str, str] | None = None,
        text: str = "ok",
        hold: asyncio.Event | None = None,
    ) -> None:
        """The next `times` requests to `path` get this answer (after what was scripted before);
        then 200."""
        answer = Answer(status, headers or {}, text, hold)
        if hold is not None:
            self.holds.append(hold)
        self.script.setdefault(path, []).extend([answer] * times)

    def at(self, path: str) -> list[Received]:
        return [request for request in self.received if request.path == path]


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    found = Receiver(free_port())

    async def hook(request: web.Request) -> web.Response:
        found.received.append(
            Received(
                request.method, request.path, dict(request.headers), await request.read(), time.monotonic()
            )
        )
        found.arrived.set()
        queue = found.script.get(request.path) or []
        answer = queue.pop(0) if queue else Answer()
        if answer.hold is not None:
            await answer.hold.wait()
        return web.Response(status=answer.status, headers=answer.headers, text=answer.text)

    application = web.Application()
    application.router.add_route("*", "/{tail:.*}", hook)
    runner = web.AppRunner(application)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", found.port).start()
    try:
        yield found
    finally:
        # A held request would keep the server's shutdown waiting for it.
        for hold in found.holds:
            hold.set()
        await runner.cleanup()


@dataclass
class Notifier:
    app: ServiceApp
    settings: NotifierSettings
    department_id: uuid.UUID

    @property
    def client(self) -> Any:
        return self.app.client

    def manager(self, *flags: str) -> dict[str, str]:
        return self.app.as_operator(*(flags or MANAGER))

    def path(self, tail: str = "", department_id: uuid.UUID | None = None) -> str:
        return f"/departments/{department_id or self.department_id}/webhooks{tail}"

    async def create(self, **body: Any) -> dict[str, Any]:
        answer = await self.client.post(self.path(), json={"name": "Hook", **body}, headers=self.manager())
        assert answer.status_code == 201, answer.text
        return dict(answer.json())

    async def switch_module(self, enabled: bool) -> None:
        event = TicketSettingsChanged.build(
            source="ticketing",
            subject="settings",
            data=TicketSettingsData(
                ticket_system_enabled=enabled, ticket_number_prefix="TKT", blocked_extensions=[]
            ),
        )
        async with self.app.sessions() as session, session.begin():
            await module_switch_projection.changed(session, event)
        # The process caches the switch for a second; a test need not wait for it.
        self.app.client._transport.app.state.ticket_system_switch = None  # type: ignore[attr-defined]

    async def department_known(self, name: str) -> uuid.UUID:
        event = DepartmentChanged.build(
            source="ticketing",
            subject="department",
            data=DepartmentData(department=DepartmentSnapshot(id=uuid.uuid4(), name=name, enabled=True)),
        )
        async with self.app.sessions() as session, session.begin():
            await departments_projection.changed(session, event)
        return event.data.department.id

    async def sql(self, query: str, **arguments: Any) -> list[Any]:
        async with self.app.engine.begin() as connection:
            result = await connection.execute(text(query), arguments)
            return list(result) if result.returns_rows else []


@pytest.fixture
async def notifier(database: TestDatabase, servers: TestServers) -> AsyncIterator[Notifier]:
    settings: dict[str, Any] = {**QUICK, "secret_key": Fernet.generate_key().decode()}
    async with service_app(service, database, servers, **settings) as running:
        configured = NotifierSettings(database_url=running.url, nats_url=servers.nats_url, **settings)
        found = Notifier(running, configured, uuid.uuid4())
        await found.switch_module(True)
        found.department_id = await found.department_known('Support "EU"')
        yield found


def ticket_created(department_id: uuid.UUID, **ticket: Any) -> TicketCreated:
    now = datetime.now(UTC)
    snapshot = TicketSnapshot.model_validate(
        {
            "id": uuid.uuid4(),
            "number": "TKT-1042",
            "title": "Printer on fire",
            "status": "open",
            "priority": "high",
            "source": "manual",
            "department_id": department_id,
            "assignee_username": "ada",
            "created_at": now,
            "updated_at": now,
            **ticket,
        }
    )
    return TicketCreated.build(
        source="ticketing", subject=str(snapshot.id), data=TicketChangeData(ticket=snapshot)
    )


@pytest.fixture
def new_ticket_created() -> Callable[..., TicketCreated]:
    return ticket_created


def incident_event(
    contract: Any = IncidentCreated,
    *,
    changes: dict[str, tuple[Any, Any]] | None = None,
    actor_id: uuid.UUID | None = None,
    note: str | None = None,
    **incident: Any,
) -> Any:
    """An incident event as the itsm service publishes it (`contract`: IncidentCreated, ...)."""
    now = datetime.now(UTC)
    snapshot = IncidentSnapshot.model_validate(
        {
            "id": uuid.uuid4(),
            "number": "INC-1042",
            "title": "Disk full on db-01",
            "status": "open",
            "severity": "critical",
            "impact": "high",
            "urgency": "high",
            "priority": "P1",
            "source": "prometheus",
            "host": "db-01.example.com",
            "rule": "DiskFull",
            "alert_count": 3,
            "host_count": 1,
            "assignee_username": "ada",
            "created_at": now,
            "updated_at": now,
            **incident,
        }
    )
    data = IncidentChangeData(
        incident=snapshot,
        changes={name: FieldChange(old=old, new=new) for name, (old, new) in (changes or {}).items()},
        actor_id=actor_id,
        note=note,
    )
    return contract.build(source="itsm", subject=str(snapshot.id), data=data)


@pytest.fixture
def new_incident_event() -> Callable[..., Any]:
    return incident_event


@dataclass
class Workers:
    """The webhook-worker role in this process: the ticket- and incident-event consumers and `count`
    worker loops."""

    notifier: Notifier
    client: Client
    jetstream: JetStreamContext
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def start(self, count: int = 1, settings: NotifierSettings | None = None) -> None:
        """`settings`: the workers' own, when they differ from the app's (another allow-list)."""
        sessions = self.notifier.app.sessions
        settings = settings or self.notifier.settings
        delivery_consumers.use_settings(settings)
        for consumer in (
            delivery_consumers.ticket_events_consumer,
            delivery_consumers.incident_events_consumer,
        ):
            self.tasks.append(asyncio.create_task(consumer.run(self.client, sessions, self.stop)))
        for _ in range(count):
            worker = DeliveryWorker(sessions=sessions, settings=settings)
            self.tasks.append(asyncio.create_task(worker.run(self.stop)))

    async def publish(self, event: Any, *, msg_id: str | None = None) -> None:
        await self.jetstream.publish(
            event.bus_subject(), event.to_json(), headers={"Nats-Msg-Id": msg_id or str(event.id)}
        )

    async def deliveries(self, webhook_id: str, *, itsm: bool = False) -> list[dict[str, Any]]:
        """`itsm`: an ITSM webhook's log, read with incidents.manage."""
        if itsm:
            path, headers = f"/itsm/webhooks/{webhook_id}/deliveries", self.notifier.manager(INCIDENTS)
        else:
            path, headers = self.notifier.path(f"/{webhook_id}/deliveries"), self.notifier.manager()
        answer = await self.notifier.client.get(path, headers=headers)
        assert answer.status_code == 200, answer.text
        return list(answer.json())

    async def settled(
        self, webhook_id: str, state: str, *, count: int = 1, within: float = 20, itsm: bool = False
    ) -> list[Any]:
        async def reached() -> list[Any] | None:
            found = await self.deliveries(webhook_id, itsm=itsm)
            return found if len(found) >= count and all(d["state"] == state for d in found) else None

        result: list[Any] = await eventually(reached, within=within, what=f"{count} deliveries {state}")
        return result


@pytest.fixture
async def workers(notifier: Notifier, jetstream: JetStreamContext) -> AsyncIterator[Workers]:
    client = await nats.connect(notifier.settings.nats_url)
    await ensure_consumer(client.jetstream(), delivery_consumers.ticket_events_consumer.spec)
    await ensure_consumer(client.jetstream(), delivery_consumers.incident_events_consumer.spec)
    running = Workers(notifier, client, client.jetstream())
    try:
        yield running
    finally:
        running.stop.set()
        for task in running.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(task, 15)
        await client.close()
