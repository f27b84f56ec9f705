"""The mail-gateway service's app on a real database of its own, called as the gateway calls it
(helpdesk_common.testing.apps). Test modules cannot import from here (a service's tests folder is no
package), so what they share is a fixture: `mail`, the app with the records ticketing would have
announced made by the real projection handlers; `parsers`, the parser role on the real bus; and
`imap_stack` for the poller: a real Dovecot, the outbox relay publishing to the real NATS, mailboxes
as rows, pollers in this process (each on its own connections) or as `helpdesk run mail-gateway
--role poller` processes."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import nats
import orjson
import pytest
from cryptography.fernet import Fernet
from nats.aio.client import Client
from nats.js import JetStreamContext
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

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
from helpdesk_common.db import create_engine, create_session_factory, libpq_url
from helpdesk_common.embedded import free_port
from helpdesk_common.files import DEFAULT_BLOCKED_EXTENSIONS
from helpdesk_common.secrets import SecretBox
from helpdesk_common.testing.apps import ServiceApp, service_app
from helpdesk_common.testing.dovecot import DovecotServer, MailUser, OAuthGrant
from helpdesk_common.testing.infrastructure import TestServers
from helpdesk_common.testing.plugin import TestDatabase
from mail_gateway.config import MailGatewaySettings
from mail_gateway.inbound.store import StoredMessage, store_raw
from mail_gateway.main import service
from mail_gateway.parsing import worker
from mail_gateway.polling.poller import Poller
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


async def eventually(check: Callable[[], Awaitable[Any]], *, within: float = 30.0, what: str = "") -> Any:
    """The check's first truthy answer, asked every 0.1 s."""
    deadline = time.monotonic() + within
    while True:
        answer = await check()
        if answer:
            return answer
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within:g} s: {what or check}")
        await asyncio.sleep(0.1)


@dataclass
class MailStack:
    """The mail schema migrated, Dovecot, the relay, and ways to add mailboxes and run pollers."""

    url: str
    engine: AsyncEngine
    dovecot: DovecotServer
    secret_key: str
    nats_url: str
    work_dir: Path
    pollers: list[tuple[asyncio.Task[None], asyncio.Event, AsyncEngine]] = field(default_factory=list)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    relay: tuple[asyncio.Task[None], asyncio.Event] | None = None

    eventually = staticmethod(eventually)

    def settings(self, **overrides: Any) -> MailGatewaySettings:
        values: dict[str, Any] = {
            "database_url": self.url,
            "nats_url": self.nats_url,
            "secret_key": self.secret_key,
            "mail_ca_file": self.dovecot.ca_file,
            "mail_lease_seconds": 3.0,
            "mail_backoff_base_seconds": 0.2,
            "mail_backoff_max_seconds": 1.0,
            "mail_idle_seconds": 30.0,
            "mail_poll_interval_seconds": 1.0,
        }
        return MailGatewaySettings(**{**values, **overrides})

    async def add_mailbox(
        self,
        user: MailUser,
        *,
        tls: str = "implicit",
        password: str | None = None,
        grant: OAuthGrant | None = None,
        mechanism: str = "XOAUTH2",
        department_id: uuid.UUID | None = None,
    ) -> uuid.UUID:
        department_id = department_id or uuid.uuid4()
        box = SecretBox(self.secret_key)
        port = self.dovecot.tls_port if tls == "implicit" else self.dovecot.port
        values: dict[str, Any] = {
            "department_id": department_id,
            "imap_host": "localhost",
            "imap_port": port,
            "imap_tls": tls,
            "imap_username": user.name,
            "imap_password_sealed": box.seal(user.password if password is None else password),
            "auth_method": "password",
        }
        if grant is not None:
            values |= {
                "auth_method": "oauth2",
                "imap_password_sealed": None,
                "oauth_token_endpoint": grant.token_url,
                "oauth_client_id": grant.client_id,
                "oauth_client_secret_sealed": box.seal(grant.client_secret),
                "oauth_refresh_token_sealed": box.seal(grant.refresh_token),
                "oauth_mechanism": mechanism,
            }
        columns = ", ".join(values)
        placeholders = ", ".join(f":{name}" for name in values)
        async with self.engine.begin() as connection:
            await connection.execute(
                text(f"INSERT INTO mailboxes ({columns}) VALUES ({placeholders})"), values
            )
        return department_id

    async def set_password(self, department_id: uuid.UUID, password: str) -> None:
        async with self.engine.begin() as connection:
            await connection.execute(
                text(
                    "UPDATE mailboxes SET imap_password_sealed = :sealed, updated_at = now() "
                    "WHERE department_id = :department_id"
                ),
                {"sealed": SecretBox(self.secret_key).seal(password), "department_id": department_id},
            )

    async def mailbox(self, department_id: uuid.UUID) -> Any:
        async with self.engine.connect() as connection:
            return (
                await connection.execute(
                    text("SELECT * FROM mailboxes WHERE department_id = :id"), {"id": department_id}
                )
            ).one()

    async def stored(self, department_id: uuid.UUID | None = None) -> list[Any]:
        """The raw rows, oldest first."""
        async with self.engine.connect() as connection:
            rows = await connection.execute(
                text(
                    "SELECT id, department_id, uidvalidity, uid, message_id, size, raw FROM inbound_messages "
                    "WHERE CAST(:department_id AS uuid) IS NULL OR department_id = :department_id "
                    "ORDER BY received_at, uidvalidity, uid"
                ),
                {"department_id": department_id},
            )
            return list(rows)

    async def outbox_count(self) -> int:
        async with self.engine.connect() as connection:
            return int((await connection.execute(text("SELECT count(*) FROM outbox"))).scalar_one())

    async def start_relay(self) -> None:
        client = await nats.connect(self.nats_url)
        engine = create_engine(self.url, schema="mail", pool_size=2)
        stop = asyncio.Event()
        relay = OutboxRelay(engine, AckedPublisher(client), idle_seconds=0.05)

        async def run() -> None:
            try:
                await relay.run(stop)
            finally:
                await client.close()
                await engine.dispose()

        self.relay = (asyncio.create_task(run()), stop)

    async def stop_relay(self) -> None:
        if self.relay is not None:
            task, stop = self.relay
            stop.set()
            await task
            self.relay = None

    def start_poller(self, **overrides: Any) -> Poller:
        """A poller in this process on connections of its own (its own engine), as a separate
        process would have."""
        engine = create_engine(self.url, schema="mail", pool_size=4)
        poller = Poller(engine, create_session_factory(engine), self.settings(**overrides))
        stop = asyncio.Event()
        self.pollers.append((asyncio.create_task(poller.run(stop)), stop, engine))
        return poller

    async def stop_pollers(self) -> None:
        for task, stop, engine in self.pollers:
            stop.set()
            await asyncio.wait_for(task, 30)
            await engine.dispose()
        self.pollers.clear()

    def start_poller_process(self, **environment: str) -> subprocess.Popen[bytes]:
        """`helpdesk run mail-gateway --role poller`, a real process."""
        env = {
            **os.environ,
            "HELPDESK_DATABASE_URL": self.url,
            "HELPDESK_NATS_URL": self.nats_url,
            "HELPDESK_SECRET_KEY": self.secret_key,
            "HELPDESK_MAIL_CA_FILE": self.dovecot.ca_file,
            "HELPDESK_HTTP_PORT": str(free_port()),
            "HELPDESK_MAIL_LEASE_SECONDS": "3",
            "HELPDESK_MAIL_BACKOFF_BASE_SECONDS": "0.2",
            "HELPDESK_MAIL_BACKOFF_MAX_SECONDS": "1",
            **environment,
        }
        log = (self.work_dir / f"poller-{len(self.processes)}.log").open("ab")
        process = subprocess.Popen(
            [sys.executable, "-m", "helpdesk_cli.main", "run", "mail-gateway", "--role", "poller"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self.processes.append(process)
        return process

    def stop_processes(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


@pytest.fixture
async def imap_stack(
    database: TestDatabase,
    servers: TestServers,
    jetstream: JetStreamContext,
    dovecot: DovecotServer,
    tmp_path: Path,
) -> AsyncIterator[MailStack]:
    url = await database.add_service(service)
    engine = create_engine(url, schema="mail", pool_size=4)
    stack = MailStack(url, engine, dovecot, Fernet.generate_key().decode(), servers.nats_url, tmp_path)
    try:
        yield stack
    finally:
        stack.stop_processes()
        with contextlib.suppress(Exception):
            await stack.stop_pollers()
        await stack.stop_relay()
        await engine.dispose()


def message(number: int, *, subject: str = "Printer on fire", body: str = "It is on fire.") -> bytes:
    return (
        f"From: Customer {number} <customer{number}@example.com>\r\n"
        f"To: support@example.com\r\n"
        f"Subject: {subject} {number}\r\n"
        f"Message-ID: <m{number}.{uuid.uuid4().hex}@example.com>\r\n"
        f"Date: Tue, 01 Dec 2026 10:00:00 +0000\r\n"
        "\r\n"
        f"{body}\r\n"
    ).encode()


@pytest.fixture
def new_message() -> Callable[..., bytes]:
    """`new_message(3)`: a small message with a Message-ID of its own."""
    return message
