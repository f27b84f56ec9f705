"""The fixtures: `servers` for the session, and per test a fresh database and clean streams."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import nats
import pytest
from nats.js import JetStreamContext
from nats.js.errors import ServerError

from helpdesk_common.bus.topology import ensure_streams
from helpdesk_common.provisioning import provision, with_credentials, with_database
from helpdesk_common.service import ServiceDefinition
from helpdesk_common.testing.dovecot import dovecot  # noqa: F401  (a real IMAP server per test)
from helpdesk_common.testing.infrastructure import TestServers, test_servers
from helpdesk_common.testing.smtp_sink import SmtpSink, running_sink


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestServers]:
    with test_servers(Path(tmp_path_factory.mktemp("servers"))) as started:
        yield started


@dataclass
class TestDatabase:
    """A database of its own for one test, with service roles and schemas provisioned on demand."""

    __test__ = False

    admin_url: str
    name: str
    passwords: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return with_database(self.admin_url, self.name)

    async def add_service(self, definition: ServiceDefinition) -> str:
        """Provision and migrate one service; returns the URL of the service's own role."""
        password = self.passwords.setdefault(definition.database_role, secrets.token_urlsafe(16))
        await provision(self.admin_url, self.name, [definition.account(password)])
        import asyncio

        await asyncio.to_thread(definition.migrate, self.url, as_role=True)
        return self.url_for(definition)

    def url_for(self, definition: ServiceDefinition) -> str:
        return with_credentials(
            self.url, user=definition.database_role, password=self.passwords[definition.database_role]
        )


@pytest.fixture
async def database(servers: TestServers) -> AsyncIterator[TestDatabase]:
    database = new_test_database(servers)
    yield database
    await drop_test_database(database)


def new_test_database(servers: TestServers) -> TestDatabase:
    return TestDatabase(admin_url=servers.admin_url, name=f"test_{uuid.uuid4().hex[:12]}")


async def drop_test_database(database: TestDatabase) -> None:
    connection = await asyncpg.connect(with_database(database.admin_url, "postgres"))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{database.name}" WITH (FORCE)')
    finally:
        await connection.close()


_STREAM_RECREATE_ATTEMPTS = 30


@pytest.fixture
async def jetstream(servers: TestServers) -> AsyncIterator[JetStreamContext]:
    """JetStream with every stream deleted and declared anew: no test sees another's messages."""
    client = await nats.connect(servers.nats_url)
    js = client.jetstream()
    for stream in await js.streams_info():
        if stream.config.name:
            await js.delete_stream(stream.config.name)
    for attempt in range(_STREAM_RECREATE_ATTEMPTS):
        try:
            await ensure_streams(js)
            break
        except ServerError:
            # NATS may still be removing a deleted stream's store ("error creating store for stream").
            if attempt == _STREAM_RECREATE_ATTEMPTS - 1:
                raise
            await asyncio.sleep(0.1)
    yield js
    await client.close()


@pytest.fixture
async def smtp_sink(tmp_path: Path) -> AsyncIterator[SmtpSink]:
    """A real SMTP server of the test's own (testing/smtp_sink.py): plain/STARTTLS on `port`, implicit
    TLS on `tls_port`, trusted through `ca_file`."""
    async with running_sink(tmp_path / "smtp-sink") as sink:
        yield sink
