"""The SLA sweep at scale (issue 18, part 7): (a) 100,000 active timers, 10,000 of them due within the
same minute, swept in real time by three engines at once: fire latency (due time to the alert's
committed outbox row) p50/p99/max and duplicates; (b) the cost of a sweep with 10,000 and with
1,000,000 active timers, 1,000 of them due: an idle look and a sweep of the due ones, which must not
grow with the active ones. Beside PostgreSQL's raw single-row insert rate in the same run (an alert
is an outbox insert and a timer update).

Run with `make bench-sla`; never by the tests. Servers: HELPDESK_BENCH_* URLs, else embedded durable
ones. The engines are the real sweep (`sla_engine.timers.sweep.sweep_once`) on three connection pools
in this process, as three replicas would run it against one database."""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import orjson

from bench.raw_insert import measure_raw_insert
from bench.report import machine_info
from bench.servers import bench_servers
from bench.tickets import drop_database
from helpdesk_common.db import create_engine, create_session_factory, libpq_url
from helpdesk_common.testing.apps import service_app
from helpdesk_common.testing.plugin import TestDatabase
from sla_engine.main import service as sla_engine
from sla_engine.timers.sweep import sweep_once

RESULTS = Path(__file__).parent / "results"
REPLICAS = 3
SWEEP_SECONDS = 0.5
WATCH_SECONDS = 0.05
DUE_WINDOW = timedelta(seconds=60)
# Due timers start this far ahead, so that seeding and the engines' start are done before the first.
LEAD = timedelta(seconds=20)


async def main(*, active: int, due: int, scaling: tuple[int, ...]) -> None:
    with (
        tempfile.TemporaryDirectory(prefix="helpdesk-bench-sla-") as work,
        bench_servers(Path(work)) as servers,
    ):
        database = TestDatabase(admin_url=servers.admin_url, name=f"bench_{uuid.uuid4().hex[:10]}")
        try:
            async with service_app(sla_engine, database, servers) as app:  # type: ignore[arg-type]
                raw = await measure_raw_insert(
                    servers.admin_url, b"x" * 600, clients=REPLICAS, seconds=10, work_dir=Path(work)
                )
                report: dict[str, Any] = {
                    "when": datetime.now(UTC).isoformat(),
                    "machine": machine_info(),
                    "raw_insert_tps": round(raw.transactions_per_second),
                }
                connection = await asyncpg.connect(libpq_url(app.url))
                try:
                    sla_id = await _definition(connection)
                    report["latency"] = await _latency_run(app.url, connection, sla_id, active, due)
                    report["scaling"] = [
                        await _scaling_run(app.url, connection, sla_id, size, 1000) for size in scaling
                    ]
                finally:
                    await connection.close()
        finally:
            await drop_database(database)
    # One sweep's alerts per second against single-row inserts: each alert is an outbox row and a
    # timer update, batched per claim.
    report["sweep_alerts_per_second_share_of_raw_insert"] = round(
        report["scaling"][-1]["alerts_per_second"] / report["raw_insert_tps"], 3
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "sla.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


async def _definition(connection: asyncpg.Connection) -> uuid.UUID:
    sla_id = uuid.uuid4()
    await connection.execute(
        "INSERT INTO sla.sla_definitions (id, name, response_hours, resolution_hours)"
        " VALUES ($1, 'Bench', 1, 8)",
        sla_id,
    )
    return sla_id


async def _seed(
    connection: asyncpg.Connection, sla_id: uuid.UUID, count: int, *, due_from: datetime, due_span: float
) -> None:
    """`count` timers whose response breach falls due in [due_from, due_from + due_span s), evenly;
    their warnings count as sent, so each yields exactly one alert."""
    await connection.execute(
        """
        INSERT INTO sla.ticket_timers (
            ticket_id, ticket, ticket_updated_at, started_at, sla_id, response_due_at, resolution_due_at,
            response_warned_at, resolution_warned_at, next_check_at, revision)
        SELECT id, jsonb_build_object(
                'id', id, 'number', 'B-' || n, 'title', 'Bench', 'status', 'open', 'priority', 'medium',
                'source', 'manual', 'department_id', null, 'created_at', started, 'updated_at', started),
            started, started, $1, due, due + interval '7 hours', started, started, due, 1
        FROM (
            SELECT gen_random_uuid() AS id, n,
                $2::timestamptz + (n * $3::float / $4) * interval '1 second' AS due,
                $2::timestamptz - interval '1 hour' AS started
            FROM generate_series(0, $4 - 1) AS n
        ) AS timers
        """,
        sla_id,
        due_from,
        due_span,
        count,
    )


async def _fresh(connection: asyncpg.Connection) -> None:
    await connection.execute("TRUNCATE sla.ticket_timers, sla.outbox")


async def _latency_run(
    url: str, connection: asyncpg.Connection, sla_id: uuid.UUID, active: int, due: int
) -> dict[str, Any]:
    await _fresh(connection)
    first_due = datetime.now(UTC) + LEAD + timedelta(seconds=active / 20_000)
    # The active timers not due: their next alert a day or more ahead.
    await _seed(connection, sla_id, active - due, due_from=first_due + timedelta(days=1), due_span=86_400.0)
    await _seed(connection, sla_id, due, due_from=first_due, due_span=DUE_WINDOW.total_seconds())
    await connection.execute("ANALYZE sla.ticket_timers")
    last_due = first_due + DUE_WINDOW
    stop = asyncio.Event()
    observed: dict[int, float] = {}
    engines = [create_engine(url, schema="sla", pool_size=2) for _ in range(REPLICAS)]
    try:
        sweepers = [asyncio.create_task(_sweep_forever(engine, stop)) for engine in engines]
        watcher = asyncio.create_task(_watch(connection, observed, stop))
        while datetime.now(UTC) < last_due + timedelta(seconds=5) or len(observed) < due:
            await asyncio.sleep(0.5)
            if datetime.now(UTC) > last_due + timedelta(seconds=60):
                break
        stop.set()
        await asyncio.gather(*sweepers, watcher)
    finally:
        for engine in engines:
            await engine.dispose()
    rows = await connection.fetch(
        "SELECT id, subject, payload FROM sla.outbox WHERE event_type = 'sla_breached'"
    )
    latencies, keys = [], []
    for row in rows:
        event = orjson.loads(row["payload"])
        due_at = datetime.fromisoformat(event["data"]["due_at"]).timestamp()
        latencies.append(observed[row["id"]] - due_at)
        keys.append((event["subject"], event["data"]["deadline"]))
    latencies.sort()
    return {
        "active_timers": active,
        "due_within_a_minute": due,
        "replicas": REPLICAS,
        "sweep_interval_seconds": SWEEP_SECONDS,
        "alerts": len(rows),
        "duplicates": len(keys) - len(set(keys)),
        "missing": due - len(set(keys)),
        "latency_p50_ms": round(1000 * statistics.median(latencies)),
        "latency_p99_ms": round(1000 * latencies[int(0.99 * (len(latencies) - 1))]),
        "latency_max_ms": round(1000 * latencies[-1]),
        "watch_interval_seconds": WATCH_SECONDS,
    }


async def _sweep_forever(engine: Any, stop: asyncio.Event) -> None:
    sessions = create_session_factory(engine)
    while not stop.is_set():
        await sweep_once(sessions)
        try:
            await asyncio.wait_for(stop.wait(), SWEEP_SECONDS)
        except TimeoutError:
            pass


async def _watch(connection: asyncpg.Connection, observed: dict[int, float], stop: asyncio.Event) -> None:
    """When each alert's row became visible, that is committed: an upper bound of its fire time. Every
    row is read each time, since replicas commit ids out of order."""
    while not stop.is_set():
        rows = await connection.fetch("SELECT id FROM sla.outbox")
        seen = time.time()
        for row in rows:
            observed.setdefault(row["id"], seen)
        await asyncio.sleep(WATCH_SECONDS)


async def _scaling_run(
    url: str, connection: asyncpg.Connection, sla_id: uuid.UUID, active: int, due: int
) -> dict[str, Any]:
    """An idle look (nothing due) and one sweep of `due` alerts, beside `active` timers not due."""
    await _fresh(connection)
    now = datetime.now(UTC)
    await _seed(connection, sla_id, active - due, due_from=now + timedelta(days=1), due_span=86_400.0)
    await _seed(connection, sla_id, due, due_from=now - timedelta(minutes=5), due_span=60.0)
    await connection.execute("VACUUM ANALYZE sla.ticket_timers")
    engine = create_engine(url, schema="sla", pool_size=2)
    try:
        sessions = create_session_factory(engine)
        idle = []
        for _ in range(20):
            started = time.perf_counter()
            await sweep_once(sessions, now=now - timedelta(minutes=10))
            idle.append(time.perf_counter() - started)
        started = time.perf_counter()
        swept = await sweep_once(sessions, now=now)
        sweep_seconds = time.perf_counter() - started
    finally:
        await engine.dispose()
    return {
        "active_timers": active,
        "due": due,
        "alerts": swept.breaches,
        "idle_look_ms_median": round(1000 * statistics.median(idle), 2),
        "sweep_of_due_ms": round(1000 * sweep_seconds),
        "alerts_per_second": round(swept.breaches / sweep_seconds),
    }


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--active", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--scaling", type=int, nargs="*", default=[10_000, 1_000_000])
    return parser.parse_args()


if __name__ == "__main__":
    arguments = _arguments()
    asyncio.run(main(active=arguments.active, due=arguments.due, scaling=tuple(arguments.scaling)))
