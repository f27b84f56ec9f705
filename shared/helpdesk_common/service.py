"""What a service is (its definition) and how one of its processes runs (api, relay, consumers, jobs,
and the worker roles a service declares of its own, such as the mail gateway's poller).

`helpdesk run SERVICE --role ...` calls `run_service`. Each role can run in its own process so that
HTTP replicas, relays and consumer workers scale on their own; with no role given, one process
runs them all. Every process serves /healthz and /readyz.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI
from nats.aio.client import Client
from sqlalchemy import MetaData, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.types import ASGIApp

from helpdesk_common.bus.connection import check_server_version, connect
from helpdesk_common.bus.consumer import EventConsumer
from helpdesk_common.bus.dead_letters import RetryPolicy
from helpdesk_common.bus.publisher import AckedPublisher
from helpdesk_common.bus.relay import OutboxRelay
from helpdesk_common.bus.topology import declare_when_available
from helpdesk_common.clock import Clock, clock_from
from helpdesk_common.config import HelpdeskSettings
from helpdesk_common.db import create_engine, create_session_factory
from helpdesk_common.http.app import ReadinessCheck, create_app
from helpdesk_common.http.server import server_config
from helpdesk_common.logs import configure_logging
from helpdesk_common.migrations import upgrade
from helpdesk_common.periodic import every
from helpdesk_common.provisioning import ServiceAccount
from helpdesk_common.telemetry import configure_tracing, shutdown_tracing

log = logging.getLogger(__name__)

ROLES = ("api", "relay", "consumers", "jobs")


@dataclass
class ServiceRuntime:
    """What a running process hands to routes, consumers and jobs."""

    settings: HelpdeskSettings
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    # The NATS connection of the relay and consumers; the api role needs none (it writes the outbox).
    bus: Client | None = None
    # The time routes and jobs go by (helpdesk_common/clock.py); tests set it.
    clock: Clock = field(default_factory=Clock)


Job = Callable[[ServiceRuntime, asyncio.Event], Coroutine[Any, Any, None]]


@dataclass(frozen=True)
class WorkerRole:
    """A role of a service's own, run by `helpdesk run SERVICE --role NAME`: consumers and long-running
    tasks that ops scale apart from the rest (the mail gateway's parser bounds ingestion, not its
    poller). A task is a Job; `uses_bus` when a task needs the NATS connection itself."""

    name: str
    consumers: list[EventConsumer] = field(default_factory=list)
    tasks: list[Job] = field(default_factory=list)
    uses_bus: bool = False


@dataclass
class ServiceDefinition:
    name: str
    schema: str
    # Its Alembic revisions (the shared messaging chain is added to them).
    migrations_dir: Path
    title: str
    # Its own tables as the code declares them; the migrations must build exactly these
    # (tests/platform/test_migrations.py).
    tables: MetaData = field(default_factory=MetaData)
    configure_api: Callable[[FastAPI, ServiceRuntime], None] | None = None
    consumers: list[EventConsumer] = field(default_factory=list)
    jobs: list[Job] = field(default_factory=list)
    publishes_events: bool = True
    settings_class: type[HelpdeskSettings] = HelpdeskSettings
    extensions: tuple[str, ...] = ()
    # Path patterns that accept bodies larger than HELPDESK_HTTP_MAX_BODY_BYTES, with their limit.
    larger_bodies: Callable[[HelpdeskSettings], dict[str, int]] | None = None
    worker_roles: list[WorkerRole] = field(default_factory=list)

    @property
    def role_names(self) -> tuple[str, ...]:
        """Every role a process of this service can run: the common four, then its own."""
        return ROLES + tuple(worker.name for worker in self.worker_roles)

    def account(self, password: str | None) -> ServiceAccount:
        return ServiceAccount(self.schema, self.database_role, password, self.extensions)

    @property
    def database_role(self) -> str:
        return f"helpdesk_{self.name.replace('-', '_')}"

    def migrate(self, url: str, *, as_role: bool = False) -> None:
        """Bring the schema to head; `as_role` when an admin connection migrates for the service."""
        upgrade(
            migrations_dir=self.migrations_dir,
            url=url,
            schema=self.schema,
            role=self.database_role if as_role else None,
            tables=self.tables,
        )


def _settings_for(definition: ServiceDefinition) -> HelpdeskSettings:
    return definition.settings_class(service_name=definition.name)


async def run_service(
    definition: ServiceDefinition,
    roles: set[str] | None = None,
    settings: HelpdeskSettings | None = None,
) -> None:
    roles = set(roles or definition.role_names)
    # Before the settings are read, so that an error in them is logged like any other.
    configure_logging(definition.name)
    settings = settings or _settings_for(definition)
    configure_logging(definition.name, level=settings.log_level, as_json=settings.log_json)
    configure_tracing(definition.name, settings.otlp_endpoint)

    if settings.migrate_on_start:
        await asyncio.to_thread(definition.migrate, settings.database_url)

    engine = create_engine(
        settings.database_url, schema=definition.schema, pool_size=settings.database_pool_size
    )
    runtime = ServiceRuntime(
        settings, engine, create_session_factory(engine), clock=clock_from(settings.test_clock_file)
    )
    stop = asyncio.Event()
    with _stop_on_signals(stop):
        try:
            await _run_roles(definition, roles, runtime, stop)
        finally:
            if runtime.bus is not None:
                await runtime.bus.close()
            await engine.dispose()
            shutdown_tracing()


async def _run_roles(
    definition: ServiceDefinition, roles: set[str], runtime: ServiceRuntime, stop: asyncio.Event
) -> None:
    settings = runtime.settings
    workers = [worker for worker in definition.worker_roles if worker.name in roles]
    consumers = list(definition.consumers) if "consumers" in roles else []
    consumers.extend(consumer for worker in workers for consumer in worker.consumers)
    relays = "relay" in roles and definition.publishes_events
    if consumers or relays or any(worker.uses_bus for worker in workers):
        runtime.bus = await _connect_bus(definition, runtime, consumers, stop)
        if runtime.bus is None or stop.is_set():
            return

    tasks: list[asyncio.Task[None]] = []
    if relays:
        assert runtime.bus is not None
        relay = OutboxRelay(
            runtime.engine,
            AckedPublisher(runtime.bus),
            batch_size=settings.relay_batch_size,
            idle_seconds=settings.relay_idle_seconds,
            retain_seconds=settings.relay_retain_seconds,
            woken_by_writers=bool(roles - {"relay"}),
        )
        tasks.append(asyncio.create_task(relay.run(stop), name="relay"))
    if consumers:
        assert runtime.bus is not None
        tasks.extend(
            asyncio.create_task(
                consumer.run(runtime.bus, runtime.session_factory, stop), name=consumer.spec.durable
            )
            for consumer in consumers
        )
        tasks.append(asyncio.create_task(_prune_inbox(runtime, stop), name="prune-inbox"))
    if "jobs" in roles:
        tasks.extend(asyncio.create_task(job(runtime, stop), name=job.__name__) for job in definition.jobs)
    tasks.extend(
        asyncio.create_task(task(runtime, stop), name=f"{worker.name}:{task.__name__}")
        for worker in workers
        for task in worker.tasks
    )

    app = build_app(definition, runtime, with_api="api" in roles)
    _spare_the_collector()
    server = _Server(server_config(served(app), host=settings.http_host, port=settings.http_port))
    serving = asyncio.create_task(server.serve(), name="http")
    log.info(
        "%s running roles %s on http://%s:%d",
        definition.name,
        ",".join(sorted(roles)),
        settings.http_host,
        settings.http_port,
    )
    await asyncio.wait([serving, asyncio.create_task(stop.wait())], return_when=asyncio.FIRST_COMPLETED)
    stop.set()
    server.should_exit = True
    await asyncio.gather(serving, *tasks, return_exceptions=True)


def served(app: FastAPI) -> ASGIApp:
    """What the server runs: the app, or a layer a service put in front of all of it (the gateway's
    proxy path, which needs none of FastAPI's request machinery)."""
    front: ASGIApp | None = getattr(app.state, "front", None)
    return front if front is not None else app


def build_app(definition: ServiceDefinition, runtime: ServiceRuntime, *, with_api: bool = True) -> FastAPI:
    """The HTTP app of a process: health and readiness always, the service's routes with `api`."""
    app = create_app(
        title=definition.title,
        settings=runtime.settings,
        readiness_checks=_readiness_checks(runtime),
        larger_bodies=definition.larger_bodies(runtime.settings) if definition.larger_bodies else None,
    )
    app.state.session_factory = runtime.session_factory
    app.state.runtime = runtime
    app.state.clock = runtime.clock
    if with_api and definition.configure_api is not None:
        definition.configure_api(app, runtime)
    return app


async def _connect_bus(
    definition: ServiceDefinition,
    runtime: ServiceRuntime,
    consumers: list[EventConsumer],
    stop: asyncio.Event,
) -> Client | None:
    """Connected, with the streams and consumers declared, waiting for a NATS that is not there or
    not ready yet; None when the process is asked to stop before it connected."""
    settings = runtime.settings
    retry = RetryPolicy(
        max_deliver=settings.consumer_max_deliver,
        backoff_base_seconds=settings.consumer_backoff_base_seconds,
        backoff_max_seconds=settings.consumer_backoff_max_seconds,
    )
    for consumer in consumers:
        consumer.retry = retry
        consumer.batch_size = settings.consumer_batch_size
        consumer.batch_timeout_seconds = settings.consumer_batch_timeout_seconds
    client = await _unless_stopped(connect(settings.nats_url, name=definition.name), stop)
    if client is None:
        return None
    check_server_version(client)
    specs = [consumer.spec for consumer in consumers]
    await declare_when_available(client.jetstream(), specs, replicas=settings.nats_stream_replicas, stop=stop)
    return client


async def _unless_stopped(work: Coroutine[Any, Any, Client], stop: asyncio.Event) -> Client | None:
    working = asyncio.ensure_future(work)
    stopping = asyncio.ensure_future(stop.wait())
    await asyncio.wait({working, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if working.done():
        return working.result()
    working.cancel()
    return None


_PRUNE_INBOX = text(
    "DELETE FROM inbox WHERE ctid IN (SELECT ctid FROM inbox "
    "WHERE handled_at < now() - make_interval(days => :days) LIMIT 10000)"
)


async def prune_inbox_once(engine: AsyncEngine, *, retention_days: int) -> int:
    """Small batches, so no long lock; several replicas doing it at once is harmless."""
    pruned = 0
    while True:
        async with engine.begin() as connection:
            result = await connection.execute(_PRUNE_INBOX, {"days": retention_days})
        pruned += result.rowcount
        if result.rowcount < 10000:
            return pruned


async def _prune_inbox(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    async def prune() -> None:
        await prune_inbox_once(runtime.engine, retention_days=runtime.settings.inbox_retention_days)

    await every(3600, stop, prune, what="pruning the inbox")


def _readiness_checks(runtime: ServiceRuntime) -> dict[str, ReadinessCheck]:
    async def database() -> None:
        async with runtime.engine.connect() as connection:
            await asyncio.wait_for(
                connection.execute(text("SELECT 1")), runtime.settings.readiness_timeout_seconds
            )

    async def bus() -> None:
        if runtime.bus is not None and not runtime.bus.is_connected:
            raise ConnectionError("NATS is not connected")

    return {"database": database, "bus": bus}


def _spare_the_collector() -> None:
    """The cyclic collector's full passes walk every tracked object, and a service holds a few
    hundred thousand that live as long as the process (modules, FastAPI, SQLAlchemy and pydantic
    internals), so those passes were a large share of an event consumer's CPU (`make
    bench-backbone`). Frozen, they are out of its reach; what requests and batches allocate is
    still collected."""
    gc.collect()
    gc.freeze()


class _Server(uvicorn.Server):
    # The process owns SIGTERM/SIGINT (they stop every role, not only HTTP).
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@contextlib.contextmanager
def _stop_on_signals(stop: asyncio.Event) -> Iterator[None]:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        yield
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
