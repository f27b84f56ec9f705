"""The servers a benchmark runs against: HELPDESK_BENCH_* URLs when set, else embedded, durable ones."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import nats
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from bench.cpu import Watched
from helpdesk_common.bus.topology import ensure_streams
from helpdesk_common.db import libpq_url
from helpdesk_common.embedded import (
    EMBEDDED_NATS_SYNC,
    EMBEDDED_RELAY_RETAIN_SECONDS,
    EmbeddedNats,
    EmbeddedPostgres,
    free_port,
)
from helpdesk_common.provisioning import ServiceAccount, provision, with_credentials, with_database
from helpdesk_common.service import ServiceDefinition
from tests.backbone import probe

# The one stream the probe services use; it is deleted and declared anew before each measurement.
STREAM = probe.CONSUMER_SPEC.stream


@dataclass(frozen=True)
class BenchServers:
    nats_url: str
    admin_url: str
    # The processes of the servers started here, by name, to account for their CPU time.
    processes: dict[str, Watched]
    nats_sync: str = EMBEDDED_NATS_SYNC

    def origin(self, server: str) -> str:
        return "embedded" if server in self.processes else "environment"

    def service_environment(self) -> dict[str, str]:
        """What the services run with beside these servers, as `helpdesk up` gives them: with an
        embedded NATS that fsyncs on an interval, relays that keep what they published."""
        if self.origin("NATS") != "embedded" or self.nats_sync in ("always", "default"):
            return {}
        return {"HELPDESK_RELAY_RETAIN_SECONDS": str(EMBEDDED_RELAY_RETAIN_SECONDS)}


@contextlib.contextmanager
def bench_servers(work_dir: Path, *, nats_sync: str = EMBEDDED_NATS_SYNC) -> Iterator[BenchServers]:
    """`nats_sync`: the embedded NATS's sync_interval. By default as `helpdesk up` runs it (an interval,
    relays keeping what they published); "always" fsyncs every write; "default" keeps JetStream's
    two minutes, as a replicated cluster runs it (durability from the replicas)."""
    nats_url = os.environ.get("HELPDESK_BENCH_NATS_URL", "")
    admin_url = os.environ.get("HELPDESK_BENCH_DATABASE_URL", "")
    processes: dict[str, Watched] = {}
    with contextlib.ExitStack() as stack:
        if not nats_url:
            nats_url, processes["NATS"] = stack.enter_context(_embedded_nats(work_dir, nats_sync))
        if not admin_url:
            admin_url, processes["PostgreSQL"] = stack.enter_context(_embedded_postgres(work_dir))
        yield BenchServers(nats_url=nats_url, admin_url=admin_url, processes=processes, nats_sync=nats_sync)


@contextlib.contextmanager
def _embedded_nats(work_dir: Path, sync: str) -> Iterator[tuple[str, Watched]]:
    server = EmbeddedNats(work_dir / "nats", free_port())
    try:
        server.start(log_file=work_dir / "nats.log", sync=sync)
        assert server.process is not None
        yield server.url, Watched(server.process.pid)
    finally:
        server.stop()


@contextlib.contextmanager
def _embedded_postgres(work_dir: Path) -> Iterator[tuple[str, Watched]]:
    # As production runs it: fsync on, synchronous commit.
    server = EmbeddedPostgres(work_dir / "postgres", free_port(), durable=True)
    try:
        server.start()
        postmaster = int((server.data_dir / "postmaster.pid").read_text().split()[0])
        yield server.admin_url(), Watched(postmaster, descendants=True)
    finally:
        server.stop()


@dataclass(frozen=True)
class BenchDatabase:
    admin_url: str
    service_urls: dict[str, str]


@contextlib.asynccontextmanager
async def bench_database(admin_url: str) -> AsyncIterator[BenchDatabase]:
    """A fresh database with the probe producer and consumer provisioned and migrated; dropped after."""
    name = f"bench_{uuid.uuid4().hex[:12]}"
    definitions = {"producer": probe.producer, "consumer": probe.consumer}
    try:
        urls = {
            kind: await _add_service(admin_url, name, definition) for kind, definition in definitions.items()
        }
        yield BenchDatabase(admin_url=with_database(admin_url, name), service_urls=urls)
    finally:
        connection = await asyncpg.connect(with_database(admin_url, "postgres"))
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()


async def _add_service(admin_url: str, database: str, definition: ServiceDefinition) -> str:
    password = secrets.token_urlsafe(16)
    role = definition.database_role
    await provision(admin_url, database, [ServiceAccount(definition.schema, role, password)])
    await asyncio.to_thread(definition.migrate, with_database(admin_url, database), as_role=True)
    return with_credentials(with_database(admin_url, database), user=role, password=password)


async def fresh_stream(js: JetStreamContext) -> None:
    """The probe stream without messages or consumers, so a measurement sees only its own events."""
    with contextlib.suppress(NotFoundError):
        await js.delete_stream(STREAM)
    await ensure_streams(js)


async def stream_messages(js: JetStreamContext) -> int:
    return int((await js.stream_info(STREAM)).state.messages)


async def server_facts(servers: BenchServers) -> dict[str, str]:
    """Versions, and the durability settings the figures depend on."""
    client = await nats.connect(servers.nats_url)
    try:
        version = client.connected_server_version
    finally:
        await client.close()
    connection = await asyncpg.connect(libpq_url(servers.admin_url))
    try:
        settings = {name: str(await connection.fetchval(f"SHOW {name}")) for name in _POSTGRES_SETTINGS}
    finally:
        await connection.close()
    return {
        "nats_version": f"{version.major}.{version.minor}.{version.patch}",
        "nats_origin": servers.origin("NATS"),
        "nats_sync_interval": (
            _SYNC_SHOWN.get(servers.nats_sync, f"{servers.nats_sync}, relays keep published events")
            if servers.origin("NATS") == "embedded"
            else "as configured"
        ),
        "postgresql_origin": servers.origin("PostgreSQL"),
        **{f"postgresql_{name}": value for name, value in settings.items()},
    }


_SYNC_SHOWN = {"always": "always", "default": "default (2 min; durability from replicas)"}
_POSTGRES_SETTINGS = ("server_version", "fsync", "synchronous_commit", "wal_sync_method")
