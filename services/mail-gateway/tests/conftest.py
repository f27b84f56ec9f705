"""The mail-gateway service's app on a real database of its own, called as the gateway calls it
(helpdesk_common.testing.apps). Test modules cannot import from here (a service's tests folder is no
package), so what they share is a fixture: `mail`, the app with the records ticketing would have
announced made by the real projection handlers, and `parsers`, the parser role on the real bus."""

from __future__ import annotations

import asyncio
import contextlib
import io
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import nats
import orjson
import pytest
from cryptography.fernet import Fernet
from nats.aio.client import Client
from nats.js import JetStreamContext

from helpdesk_common.attachment_store import AttachmentStorage
from helpdesk_common.bus.publisher import AckedPublisher
from helpdesk_common.bus.relay import OutboxRelay
from helpdesk_common.bus.topology import ensure_consumer
from helpdesk_common.contracts.ticketing import (
    DepartmentChanged,
    DepartmentData,
    DepartmentRemoved,
    DepartmentSnapshot,
    TicketSettingsChanged,
    TicketSettingsData,
)
from helpdesk_common.db import libpq_url
from helpdesk_common.files import DEFAULT_BLOCKED_EXTENSIONS
from helpdesk_common.testing.apps import ServiceApp, service_app
from helpdesk_common.testing.infrastructure import TestServers
from helpdesk_common.testing.plugin import TestDatabase
from mail_gateway.config import MailGatewaySettings
from mail_gateway.inbound.store import StoredMessage, store_raw
from mail_gateway.main import service
from mail_gateway.parsing import worker
from mail_gateway.projections.consumers import (
    on_department_changed,
    on_department_removed,
    on_ticket_settings_changed,
)

MANAGER = ("tickets_enabled", "tickets_manage_departments")


@dataclass
class MailApp:
    app: ServiceApp
    secret_key: str

    @property
    def client(self) -> Any:
        return self.app.client

    def manager(self, *flags: str) -> dict[str, str]:
        return self.app.as_operator(*(flags or MANAGER))

    async def switch_module(self, enabled: bool) -> None:
        event = TicketSettingsChanged.build(
            source="ticketing",
            subject="settings",
            data=TicketSettingsData(
                ticket_system_enabled=enabled,
                ticket_number_prefix="TKT",
                blocked_extensions=list(DEFAULT_BLOCKED_EXTENSIONS),
            ),
        )
        async with self.app.sessions() as session, session.begin():
            await on_ticket_settings_changed(session, event)
        # The process caches the switch for a second; a test need not wait for it.
        self.app.client._transport.app.state.ticket_system_switch = None  # type: ignore[attr-defined]

    async def department_known(self, name: str = "Support") -> uuid.UUID:
        event = DepartmentChanged.build(
            source="ticketing", subject="department", data=_department(uuid.uuid4(), name)
        )
        async with self.app.sessions() as session, session.begin():
            await on_department_changed(session, event)
        return event.data.department.id

    async def department_removed(self, department_id: uuid.UUID) -> None:
        event = DepartmentRemoved.build(
            source="ticketing", subject=str(department_id), data=_department(department_id, "Gone")
        )
        async with self.app.sessions() as session, session.begin():
            await on_department_removed(session, event)

    async def sql(self, query: str, *arguments: Any) -> list[asyncpg.Record]:
        connection = await asyncpg.connect(libpq_url(self.app.url))
        try:
            return list(await connection.fetch(query, *arguments))
        finally:
            await connection.close()


def _department(department_id: uuid.UUID, name: str) -> DepartmentData:
    return DepartmentData(department=DepartmentSnapshot(id=department_id, name=name, enabled=True))


MailAppFactory = Callable[..., AbstractAsyncContextManager[MailApp]]


@pytest.fixture
def mail_app_with(database: TestDatabase, servers: TestServers) -> MailAppFactory:
    """`async with mail_app_with(mail_allow_plaintext=True) as mail:` for other settings."""

    def started(**settings: Any) -> AbstractAsyncContextManager[MailApp]:
        return _started(database, servers, **settings)

    return started


@asynccontextmanager
async def _started(database: TestDatabase, servers: TestServers, **settings: Any) -> AsyncIterator[MailApp]:
    key = Fernet.generate_key().decode()
    async with service_app(service, database, servers, secret_key=key, **settings) as running:
        yield MailApp(running, key)


@pytest.fixture
async def mail(mail_app_with: MailAppFactory) -> AsyncIterator[MailApp]:
    async with mail_app_with() as running:
        await running.switch_module(True)
        yield running


@pytest.fixture
async def app(mail: MailApp) -> ServiceApp:
    return mail.app


@dataclass
class Parsers:
    """The parser role's consumers (`count` of them on one durable, as replicas would be) and a relay,
    in this process on the real bus, beside the app; plus what tests read back."""

    app: ServiceApp
    database: TestDatabase
    servers: TestServers
    js: JetStreamContext
    client: Client
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def configure(self, **settings: Any) -> None:
        """The parser's settings (limits) for what it handles from now on."""
        worker.use_settings(
            MailGatewaySettings(nats_url=self.servers.nats_url, consumer_max_deliver=3, **settings)
        )

    async def start(self, count: int = 1) -> None:
        await ensure_consumer(self.js, worker.parser_consumer.spec)
        for _ in range(count):
            self.tasks.append(
                asyncio.create_task(worker.parser_consumer.run(self.client, self.app.sessions, self.stop))
            )
        relay = OutboxRelay(self.app.engine, AckedPublisher(self.client), woken_by_writers=True)
        self.tasks.append(asyncio.create_task(relay.run(self.stop)))

    async def close(self) -> None:
        self.stop.set()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(task, 15)
        await worker.context().storage.close()
        await self.client.close()

    async def store(self, raw: bytes, department_id: uuid.UUID, **where: Any) -> StoredMessage | None:
        async with self.app.sessions() as session, session.begin():
            return await store_raw(session, department_id=department_id, raw=raw, **where)

    async def sql(self, query: str, *arguments: Any) -> list[asyncpg.Record]:
        connection = await asyncpg.connect(libpq_url(self.database.url))
        try:
            return list(await connection.fetch(query, *arguments))
        finally:
            await connection.close()

    async def published(self, prefix: str, stream: str = "MAIL") -> list[dict[str, Any]]:
        """Every message on `stream` whose subject starts with `prefix`, in order, as JSON."""
        info = await self.js.stream_info(stream)
        found = []
        for sequence in range(max(info.state.first_seq, 1), info.state.last_seq + 1):
            with contextlib.suppress(nats.js.errors.NotFoundError):
                message = await self.js.get_msg(stream, sequence)
                if message.subject and message.subject.startswith(prefix):
                    found.append(
                        {
                            **orjson.loads(message.data),
                            "bus_subject": message.subject,
                            "headers": message.headers,
                        }
                    )
        return found

    async def object(self, name: str) -> bytes:
        target = io.BytesIO()
        storage = AttachmentStorage(self.servers.nats_url, "ticket-attachments")
        try:
            await storage.get_into(name, target)
        finally:
            await storage.close()
        return target.getvalue()


@pytest.fixture
async def parsers(
    app: ServiceApp, database: TestDatabase, servers: TestServers, jetstream: JetStreamContext
) -> AsyncIterator[Parsers]:
    client = await nats.connect(servers.nats_url)
    running = Parsers(app, database, servers, client.jetstream(), client)
    running.configure()
    try:
        yield running
    finally:
        await running.close()
