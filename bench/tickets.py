"""Tickets through the gateway: creation rate with 8 clients (events included) and the queue's p95
with a million tickets (tabs with counts, a filter, a search), beside PostgreSQL's raw insert rate.

Run with `make bench-tickets`; never by the tests. Servers: HELPDESK_BENCH_* URLs, else embedded
durable ones (fsync on, JetStream sync_interval always).
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg

from bench.raw_insert import measure_raw_insert
from bench.report import machine_info
from bench.servers import bench_servers
from helpdesk_common.db import libpq_url
from helpdesk_common.testing.plugin import TestDatabase
from tests.journeys.stack import RunningStack, start_stack

CLIENTS = 8
CREATE_SECONDS = 10
SEEDED = 1_000_000
QUEUE_SAMPLES = 100
SEED_CHUNK = 100_000
RESULTS = Path(__file__).parent / "results"
TITLES = [
    "Printer jam",
    "VPN drops",
    "Laptop slow",
    "Mail bounce",
    "Password reset",
    "Disk full",
    "Wi-Fi weak",
]


async def main() -> None:
    with tempfile.TemporaryDirectory(prefix="helpdesk-bench-") as work, bench_servers(Path(work)) as servers:
        database = TestDatabase(admin_url=servers.admin_url, name=f"bench_{uuid.uuid4().hex[:10]}")
        # The gateway as deployed: a token's principal is reused for its default 2 s.
        stack = await start_stack(servers, database, Path(work), auth_cache_seconds=2.0)  # type: ignore[arg-type]
        try:
            report = await measure(stack, database, Path(work))
        finally:
            stack.stop()
            await _drop(database)
    print(render(report))
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"tickets-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(report, indent=2, default=str))
    print(f"results: {path}")


async def measure(stack: RunningStack, database: TestDatabase, work: Path) -> dict[str, Any]:
    admin = await stack.admin()
    token = admin.headers["Authorization"]
    await admin.put(
        "/api/tickets/settings",
        json={"ticket_system_enabled": True, "ticket_number_prefix": "TKT", "blocked_extensions": []},
    )
    departments = [
        (await admin.post("/api/tickets/departments", json={"name": f"Dept {i}"})).json()["id"]
        for i in range(4)
    ]
    await admin.aclose()
    payload = b'{"title": "Printer jam", "priority": "medium"}' * 16
    raw = await measure_raw_insert(database.url, payload, clients=CLIENTS, seconds=5, work_dir=work)
    async with aiohttp.ClientSession(stack.api, headers={"Authorization": token}) as http:
        create = await _create_rate(http, departments)
        await _seed(database.url, departments, SEEDED - create["created"])
        queue = await _queue_latency(http, departments)
    return {
        "benchmark": "tickets",
        "machine": machine_info(),
        "raw_insert_per_second": raw.transactions_per_second,
        "create": create,
        "queue": queue,
        "targets": _targets(create, queue),
    }


async def _create_rate(http: aiohttp.ClientSession, departments: list[str]) -> dict[str, Any]:
    latencies: list[float] = []
    deadline = time.monotonic() + CREATE_SECONDS

    async def client() -> None:
        while time.monotonic() < deadline:
            body = {
                "title": random.choice(TITLES),
                "department_id": random.choice(departments),
                "priority": "high",
            }
            started = time.perf_counter()
            async with http.post("/api/tickets", json=body) as response:
                assert response.status == 201, await response.text()
                await response.read()
            latencies.append(time.perf_counter() - started)

    started = time.monotonic()
    await asyncio.gather(*(client() for _ in range(CLIENTS)))
    elapsed = time.monotonic() - started
    return {
        "clients": CLIENTS,
        "seconds": round(elapsed, 2),
        "created": len(latencies),
        "per_second": len(latencies) / elapsed,
        "p50_ms": _percentile(latencies, 50),
        "p95_ms": _percentile(latencies, 95),
    }


async def _seed(url: str, departments: list[str], count: int) -> None:
    """Straight into the ticketing schema in large statements (a fixture, not the API under test)."""
    connection = await asyncpg.connect(libpq_url(url))
    try:
        await connection.execute("DROP INDEX ticketing.tickets_search")
        for start in range(0, count, SEED_CHUNK):
            await connection.execute(_SEED_SQL, start, min(SEED_CHUNK, count - start), departments, TITLES)
        await connection.execute(
            "CREATE INDEX tickets_search ON ticketing.tickets USING gin (search_text ticketing.gin_trgm_ops)"
        )
        await connection.execute("VACUUM ANALYZE ticketing.tickets")
    finally:
        await connection.close()


_SEED_SQL = """
INSERT INTO ticketing.tickets
    (id, number, title, status, priority, source, department_id, contact_email,
     created_at, updated_at, last_activity_at, search_text)
SELECT gen_random_uuid(), 'SEED-' || lpad(g::text, 7, '0'), t.title || ' #' || g,
       (ARRAY['open','open','in_progress','waiting','resolved','closed','closed','closed'])[1 + g % 8],
       (ARRAY['low','medium','medium','high','critical'])[1 + g % 5], 'email',
       ($3::uuid[])[1 + g % array_length($3::uuid[], 1)], 'user' || (g % 20000) || '@example.com',
       s.at, s.at, s.at,
       lower('SEED-' || lpad(g::text, 7, '0') || ' ' || t.title || ' #' || g
             || ' user' || (g % 20000) || '@example.com')
FROM generate_series($1::int + 1, $1::int + $2::int) AS g,
     LATERAL (SELECT ($4::text[])[1 + g % array_length($4::text[], 1)] AS title) AS t,
     LATERAL (SELECT now() - (g || ' seconds')::interval AS at) AS s
"""


async def _queue_latency(http: aiohttp.ClientSession, departments: list[str]) -> dict[str, Any]:
    kinds = {
        "tabs with counts (Open tab)": {},
        "filter (department + priority, All tab)": {
            "tab": "all",
            "department_id": departments[0],
            "priority": "high",
        },
        "search (contact e-mail, All tab)": {"tab": "all", "search": "user1234@"},
    }
    figures: dict[str, Any] = {}
    for name, params in kinds.items():
        latencies = []
        for _ in range(QUEUE_SAMPLES):
            started = time.perf_counter()
            async with http.get("/api/tickets", params=params) as response:
                assert response.status == 200, await response.text()
                body = await response.json()
            latencies.append(time.perf_counter() - started)
        figures[name] = {
            "p50_ms": _percentile(latencies, 50),
            "p95_ms": _percentile(latencies, 95),
            "rows": len(body["rows"]),
            "count_all": body["counts"]["all"],
        }
    return figures


def _targets(create: dict[str, Any], queue: dict[str, Any]) -> list[dict[str, Any]]:
    worst_p95 = max(kind["p95_ms"] for kind in queue.values())
    return [
        {
            "title": "queue p95 < 100 ms at 1,000,000 tickets",
            "measured": f"{worst_p95:.1f} ms",
            "passed": worst_p95 < 100,
        },
        {
            "title": "create >= 500 tickets/s, 8 clients",
            "measured": f"{create['per_second']:.0f}/s",
            "passed": create["per_second"] >= 500,
        },
    ]


def render(report: dict[str, Any]) -> str:
    create = report["create"]
    lines = [
        f"PostgreSQL raw single-row inserts ({CLIENTS} clients): {report['raw_insert_per_second']:.0f}/s",
        f"Ticket creation through the gateway ({CLIENTS} clients, {create['seconds']} s): "
        f"{create['per_second']:.0f}/s  p50 {create['p50_ms']:.1f} ms  p95 {create['p95_ms']:.1f} ms",
        f"Queue through the gateway, {QUEUE_SAMPLES} requests each:",
    ]
    for name, kind in report["queue"].items():
        lines.append(
            f"  {name:<42} p50 {kind['p50_ms']:6.1f} ms  p95 {kind['p95_ms']:6.1f} ms"
            f"  (all: {kind['count_all']})"
        )
    for target in report["targets"]:
        lines.append(f"{'PASS' if target['passed'] else 'FAIL'}  {target['title']}: {target['measured']}")
    return "\n".join(lines)


def _percentile(values: list[float], percent: int) -> float:
    return statistics.quantiles(values, n=100)[percent - 1] * 1000 if len(values) > 1 else values[0] * 1000


async def _drop(database: TestDatabase) -> None:
    connection = await asyncpg.connect(libpq_url(database.admin_url))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{database.name}" WITH (FORCE)')
    finally:
        await connection.close()


if __name__ == "__main__":
    asyncio.run(main())
