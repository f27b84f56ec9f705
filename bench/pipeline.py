"""Events per second through outbox -> relay -> JetStream -> inbox consumer, each a process of its own."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import math
import os
import resource
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import nats
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.cpu import CpuMeter, CpuUsage, Watched
from bench.raw_insert import run_pgbench
from bench.servers import BenchDatabase, BenchServers, fresh_stream, stream_messages
from helpdesk_common.contracts import TicketCreated
from helpdesk_common.db import autocommit_connection, create_engine, libpq_url
from helpdesk_common.outbox import outbox_insert, outbox_parameters
from tests.backbone import probe
from tests.backbone.harness import ProbeProcesses, ticket_created

# Each mode starts empty; kept events too, or its relay would publish the last mode's again.
_TABLES = (
    "probe_producer.outbox, probe_producer.outbox_retained, probe_consumer.inbox, probe_consumer.applied, "
    "probe_consumer.dead_letters"
)
_APPLIED = "SELECT event_id, count(*) AS n FROM probe_consumer.applied GROUP BY event_id"
_POLL_SECONDS = 0.1
# A duplicate delivered late would show up within this time after the last event was applied.
_SETTLE_SECONDS = 1.0


@dataclass(frozen=True)
class Mode:
    name: str
    title: str
    events_per_transaction: int


@dataclass(frozen=True)
class Load:
    events: int
    warmup_events: int
    clients: int
    timeout_seconds: float
    # "pgbench": the writers are pgbench's clients (C), as wrk drives the HTTP benchmarks, so the load
    # generator does not take the cores from the pipeline; "python": asyncpg writers in this process.
    producer: str = "pgbench"


@dataclass(frozen=True)
class Delivery:
    """What the consumer's table holds against what was produced (warm-up included)."""

    produced: int
    applied_rows: int
    lost: int
    doubled: int
    unexpected: int
    left_in_outbox: int
    in_stream: int

    @property
    def exactly_once(self) -> bool:
        return self.applied_rows == self.produced and not (self.lost or self.doubled or self.unexpected)


@dataclass
class Progress:
    """Samples of (seconds since the first write, events committed, in the stream, applied); totals of
    the run, warm-up included."""

    samples: list[tuple[float, int, int, int]] = field(default_factory=list)

    @property
    def peak_outbox_backlog(self) -> int:
        """Most events committed and not yet in the stream: the relay behind."""
        return max((committed - in_stream for _, committed, in_stream, _ in self.samples), default=0)

    @property
    def peak_stream_backlog(self) -> int:
        """Most events in the stream and not yet applied: the consumer behind."""
        return max((in_stream - applied for _, _, in_stream, applied in self.samples), default=0)


@dataclass(frozen=True)
class PipelineResult:
    mode: Mode
    events: int
    produce_seconds: float
    end_to_end_seconds: float
    delivery: Delivery
    progress: Progress
    cpu: CpuUsage

    @property
    def produce_rate(self) -> float:
        return self.events / self.produce_seconds

    @property
    def end_to_end_rate(self) -> float:
        return self.events / self.end_to_end_seconds


async def measure_pipeline(
    servers: BenchServers, database: BenchDatabase, mode: Mode, load: Load, log_dir: Path
) -> PipelineResult:
    """Empty tables and stream, the relay and the consumer started, a warm-up, then the measurement."""
    (log_dir / mode.name).mkdir(parents=True, exist_ok=True)
    async with contextlib.AsyncExitStack() as stack:
        client = await nats.connect(servers.nats_url)
        stack.push_async_callback(client.close)
        monitor = await asyncpg.connect(libpq_url(database.admin_url))
        stack.push_async_callback(monitor.close)
        # The producer writes as a service does: its own role and schema, a pooled connection per client.
        engine = create_engine(
            database.service_urls["producer"], schema=probe.producer.schema, pool_size=load.clients
        )
        stack.push_async_callback(engine.dispose)
        await fresh_stream(client.jetstream())
        await monitor.execute(f"TRUNCATE {_TABLES}")
        processes = ProbeProcesses(servers.nats_url, database.service_urls, log_dir / mode.name)
        stack.callback(processes.stop_all)
        relay, consumer = processes.start("producer"), processes.start("consumer")
        watched = {
            "bench": Watched(os.getpid()),
            "relay": Watched(relay.pid),
            "consumer": Watched(consumer.pid),
            **servers.processes,
        }
        writer = _PgbenchWriter(database, log_dir / mode.name) if load.producer == "pgbench" else None
        if writer is not None:
            await writer.prepare()
        run = _Run(mode, load, engine, monitor, client.jetstream(), processes, CpuMeter(watched), writer)
        return await run.measure()


@dataclass
class _Run:
    mode: Mode
    load: Load
    engine: AsyncEngine
    monitor: asyncpg.Connection
    js: JetStreamContext
    processes: ProbeProcesses
    cpu: CpuMeter
    writer: _PgbenchWriter | None
    produced: list[uuid.UUID] = field(default_factory=list)
    committed: int = 0

    async def measure(self) -> PipelineResult:
        warmup = await self._prepared(_events(self.load.warmup_events, start=0))
        await self._produce_and_apply(warmup, Progress())
        events = await self._prepared(_events(self.load.events, start=self.load.warmup_events))
        progress = Progress()
        children_before = _children_cpu_seconds()
        self.cpu.start()
        produce_seconds, end_to_end_seconds = await self._produce_and_apply(events, progress)
        cpu = self.cpu.stop()
        if self.writer is not None:
            # pgbench has exited by now: its time is its parent's children's, not a live process's.
            pgbench = _children_cpu_seconds() - children_before
            cpu = dataclasses.replace(cpu, seconds={"pgbench": pgbench, **cpu.seconds})
        await asyncio.sleep(_SETTLE_SECONDS)
        return PipelineResult(
            mode=self.mode,
            events=len(events),
            produce_seconds=produce_seconds,
            end_to_end_seconds=end_to_end_seconds,
            delivery=await self._delivery(),
            progress=progress,
            cpu=cpu,
        )

    async def _prepared(self, events: list[TicketCreated]) -> list[TicketCreated]:
        # pgbench's rows are staged before the clock starts: serialising and copying them is the
        # benchmark's work, not the pipeline's (it once ran inside the measured window).
        if self.writer is not None:
            await self.writer.stage(events)
        return events

    async def _produce_and_apply(
        self, events: list[TicketCreated], progress: Progress
    ) -> tuple[float, float]:
        """Seconds from the first write until every event is written, and until every one is applied."""
        self.produced.extend(event.id for event in events)
        started = time.perf_counter()
        applied = asyncio.create_task(self._applied(len(self.produced), started, progress))
        try:
            if self.writer is not None:
                await self.writer.write(len(events), self.mode.events_per_transaction, self.load.clients)
            else:
                await self._produce(_transactions(events, self.mode.events_per_transaction))
        except BaseException:
            applied.cancel()
            raise
        return time.perf_counter() - started, await applied

    async def _produce(self, transactions: Iterator[list[TicketCreated]]) -> None:
        """`clients` writers share one queue of transactions, each committing one at a time. A
        transaction is one statement on the driver, committed as it completes: how the hottest
        write (ticket creation) stores its rows and its event together."""

        async def writer() -> None:
            async with autocommit_connection(self.engine) as connection:
                for events in transactions:
                    await connection.execute(_OUTBOX_INSERT, *outbox_parameters(events))
                    self.committed += len(events)

        await asyncio.gather(*(writer() for _ in range(self.load.clients)))

    async def _applied(self, expected: int, started: float, progress: Progress) -> float:
        deadline = started + self.load.timeout_seconds
        while time.perf_counter() < deadline:
            committed = self.committed if self.writer is None else await self.writer.committed(self.monitor)
            in_stream = await stream_messages(self.js)
            applied = await self._acknowledged()
            elapsed = time.perf_counter() - started
            progress.samples.append((round(elapsed, 3), committed, in_stream, applied))
            if applied >= expected:
                return elapsed
            self.processes.assert_alive("producer")
            self.processes.assert_alive("consumer")
            await asyncio.sleep(_POLL_SECONDS)
        raise TimeoutError(f"{expected} events not applied within {self.load.timeout_seconds:.0f}s")

    async def _acknowledged(self) -> int:
        """Events the consumer has applied and acknowledged, by its ack floor in the fresh stream: a
        question NATS answers from memory, where counting the consumer's table at every poll cost
        PostgreSQL a scan of up to the whole run's rows ten times a second. (The consumer commits
        before it acknowledges; the table is counted exactly once, at the end.)"""
        try:
            info = await self.js.consumer_info(probe.CONSUMER_SPEC.stream, probe.CONSUMER_SPEC.durable)
        except NotFoundError:  # the consumer process has not declared it yet
            return 0
        return int(info.ack_floor.stream_seq or 0) if info.ack_floor else 0

    async def _delivery(self) -> Delivery:
        counts = {row["event_id"]: row["n"] for row in await self.monitor.fetch(_APPLIED)}
        produced = set(self.produced)
        return Delivery(
            produced=len(self.produced),
            applied_rows=sum(counts.values()),
            lost=len(produced - counts.keys()),
            doubled=sum(1 for n in counts.values() if n > 1),
            unexpected=len(counts.keys() - produced),
            left_in_outbox=int(await self.monitor.fetchval("SELECT count(*) FROM probe_producer.outbox")),
            in_stream=await stream_messages(self.js),
        )


_OUTBOX_INSERT = outbox_insert(1)


class _PgbenchWriter:
    """pgbench's clients write the outbox rows, each transaction one INSERT of the next events from a
    staging table filled before the clock starts (the envelopes the services build, serialised):
    the same rows, in the same table, under the producer's own role as a service writes them."""

    _STAGED = "probe_producer.bench_staged"
    _OUTBOX_IDS = "probe_producer.outbox_id_seq"

    def __init__(self, database: BenchDatabase, work_dir: Path) -> None:
        self.url = database.service_urls["producer"]
        self.work_dir = work_dir
        self.staged = 0
        # The outbox's id sequence before the first write: rows written since, warm-up included (the
        # consumer's ack floor counts those too).
        self.ids_before = 0

    async def prepare(self) -> None:
        connection = await asyncpg.connect(libpq_url(self.url))
        try:
            await connection.execute(
                f"CREATE TABLE IF NOT EXISTS {self._STAGED} (n bigint PRIMARY KEY, event_id uuid NOT NULL,"
                " event_type text NOT NULL, subject text NOT NULL, payload bytea NOT NULL, headers jsonb)"
            )
            self.ids_before = await self._last_id(connection)
        finally:
            await connection.close()

    async def write(self, count: int, per_transaction: int, clients: int) -> None:
        """Writes the `count` events staged last."""
        assert count == self.staged, "stage() the events first"
        # Client c's k-th transaction (k from 1) takes the staged rows of slot (k - 1) * clients + c:
        # every client counts its own transactions, so no shared cursor (a sequence every client
        # would wait on) decides who writes what. Spare transactions (the count rounded up to the
        # clients) find no rows and insert nothing.
        script = self.work_dir / f"outbox_{per_transaction}.sql"
        script.write_text(
            "\\set k :k + 1\n"
            f"\\set low ((:k - 1) * {clients} + :client_id) * {per_transaction}\n"
            "INSERT INTO probe_producer.outbox (event_id, event_type, subject, payload, headers) "
            f"SELECT s.event_id, s.event_type, s.subject, s.payload, s.headers FROM {self._STAGED} s "
            f"WHERE s.n > :low AND s.n <= :low + {per_transaction} ORDER BY s.n;\n"
        )
        transactions = math.ceil(count / per_transaction)
        await run_pgbench(
            [
                "--no-vacuum",
                "--protocol=prepared",
                f"--client={clients}",
                f"--jobs={min(clients, os.cpu_count() or 1)}",
                f"--transactions={math.ceil(transactions / clients)}",
                "--define=k=0",
                f"--file={script}",
            ],
            self.url,
        )

    async def committed(self, monitor: asyncpg.Connection) -> int:
        """Events written so far (ids drawn by a transaction in flight or committed)."""
        return await self._last_id(monitor) - self.ids_before

    async def _last_id(self, connection: asyncpg.Connection) -> int:
        return int(
            await connection.fetchval(
                f"SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM {self._OUTBOX_IDS}"
            )
        )

    async def stage(self, events: list[TicketCreated]) -> None:
        connection = await asyncpg.connect(libpq_url(self.url))
        try:
            await connection.execute(f"TRUNCATE {self._STAGED}")
            ids, types, subjects, payloads, headers = outbox_parameters(events)
            await connection.copy_records_to_table(
                "bench_staged",
                schema_name="probe_producer",
                records=[
                    (n, *row)
                    for n, row in enumerate(zip(ids, types, subjects, payloads, headers, strict=True), 1)
                ],
            )
            self.staged = len(events)
        finally:
            await connection.close()


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _events(count: int, *, start: int) -> list[TicketCreated]:
    # Built before the clock starts: the benchmark is of the pipeline, not of building envelopes.
    return [ticket_created(start + number) for number in range(count)]


def _transactions(events: list[TicketCreated], size: int) -> Iterator[list[TicketCreated]]:
    return (events[offset : offset + size] for offset in range(0, len(events), size))
