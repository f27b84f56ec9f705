"""Webhook delivery: signed, logged deliveries per second to a local receiver with one and with two
webhook-worker processes, beside the raw rate of the same HTTP client (aiohttp through
notifier.webhooks.requests.send, the workers' own) posting the same signed bodies to the same receiver
with the same concurrency in the same run; then the time from a ticket created through the gateway to
its webhook at the receiver (p50/p99) at a rate that does not saturate.

Run with `make bench-webhooks` (COUNT=5000 for fewer); never by the tests. Servers: HELPDESK_BENCH_*
URLs, else embedded durable ones. The stack runs as processes (`helpdesk run`): the gateway,
ticketing, the notifier's api/relay/consumers/jobs, and its webhook workers on their own
(`helpdesk run notifier --role webhook-worker`); the receiver is an aiohttp server in a process of its
own (bench/webhook_receiver.py) on loopback, admitted by HELPDESK_WEBHOOK_ALLOWED_NETWORKS.

The throughput runs queue their deliveries in bulk, as rows of notifier.webhook_deliveries written
the way the ticket-event consumer writes them (deliveries/service.py `queue`: one row per webhook
and event, `queued`, with the placeholders' values), held back until released in one statement. The
worker's work (claim, sign, send, log the attempt, settle) does not depend on how a row came to be;
the consumer's own cost per event is in the latency run, which goes through ticketing and the bus.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench.cpu import CpuMeter, Watched
from bench.report import machine_info
from bench.servers import bench_servers
from bench.tickets import drop_database
from helpdesk_common.db import libpq_url
from helpdesk_common.embedded import free_port
from helpdesk_common.testing.plugin import TestDatabase
from notifier.config import NotifierSettings
from notifier.webhooks.addresses import AddressPolicy
from notifier.webhooks.outgoing import Outgoing
from notifier.webhooks.requests import open_session, send
from notifier.webhooks.signing import signed_headers
from notifier.webhooks.templates import DEFAULT_BODY, render
from tests.backbone.harness import eventually
from tests.journeys.stack import RunningStack, start_stack

RESULTS = Path(__file__).parent / "results"
ALLOWED = "127.0.0.0/8"
# Deliveries of one throughput run are spread over this many webhooks (a secret each).
WEBHOOKS = 4
# The latency run: tickets created one after another at this pace, well below saturation.
LATENCY_TICKETS = 300
LATENCY_PER_SECOND = 20.0
# The count of delivered rows is polled this often (a query over the run's rows: not too often).
WATCH_SECONDS = 0.2
STACK_ROLES: dict[str, tuple[str, ...]] = {"notifier": ("api", "relay", "consumers", "jobs")}


def _monotonic() -> float:
    """The receiver's clock (bench/webhook_receiver.py), comparable across processes."""
    return time.clock_gettime(time.CLOCK_MONOTONIC)


async def main(count: int) -> None:
    with (
        tempfile.TemporaryDirectory(prefix="helpdesk-bench-webhooks-") as work,
        bench_servers(Path(work)) as servers,
        running_receiver(Path(work)) as receiver,
    ):
        os.environ.update(servers.service_environment())  # the services inherit it
        database = TestDatabase(admin_url=servers.admin_url, name=f"bench_{uuid.uuid4().hex[:10]}")
        stack = await start_stack(
            servers,  # type: ignore[arg-type]
            database,
            Path(work),
            auth_cache_seconds=2.0,
            upstreams=("ticketing", "notifier"),
            service_env={"HELPDESK_WEBHOOK_ALLOWED_NETWORKS": ALLOWED},
            roles=STACK_ROLES,
        )
        try:
            report = await measure(stack, servers.processes, database, receiver, count)
        finally:
            stack.stop()
            await drop_database(database)
    print(render_report(report))
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"webhooks-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(report, indent=2, default=str))
    print(f"results: {path}")


@contextlib.contextmanager
def running_receiver(work: Path) -> Iterator[Receiver]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.webhook_receiver", str(port)],
        stdout=(work / "receiver.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        yield Receiver(process, port)
    finally:
        process.terminate()
        process.wait(10)


class Receiver:
    def __init__(self, process: subprocess.Popen[bytes], port: int) -> None:
        self.process = process
        self.base = f"http://127.0.0.1:{port}"
        self.url = f"{self.base}/hook"

    async def ready(self) -> None:
        async def answers() -> bool:
            try:
                async with httpx.AsyncClient() as http:
                    return (await http.get(f"{self.base}/stats")).status_code == 200
            except httpx.HTTPError:
                return False

        await eventually(answers, within=20, what="the receiver answers")

    async def stats(self) -> dict[str, Any]:
        async with httpx.AsyncClient(timeout=30) as http:
            return dict((await http.get(f"{self.base}/stats")).json())

    async def reset(self) -> None:
        async with httpx.AsyncClient() as http:
            (await http.post(f"{self.base}/reset")).raise_for_status()


async def measure(
    stack: RunningStack,
    servers: dict[str, Watched],
    database: TestDatabase,
    receiver: Receiver,
    count: int,
) -> dict[str, Any]:
    await receiver.ready()
    load_at_start = os.getloadavg()
    settings = NotifierSettings()
    admin = await stack.admin()
    enabled = await admin.put(
        "/api/tickets/settings",
        json={"ticket_system_enabled": True, "ticket_number_prefix": "TKT", "blocked_extensions": []},
    )
    assert enabled.status_code == 200, enabled.text
    bulk_department = await _department(admin, "Webhooks bulk")
    hooks = [await _webhook(admin, bulk_department, receiver.url, f"Bulk {i}", []) for i in range(WEBHOOKS)]
    latency_department = await _department(admin, "Webhooks latency")
    latency_hook = await _webhook(admin, latency_department, receiver.url, "Latency", ["ticket_created"])
    concurrency = {1: settings.webhook_batch_size, 2: 2 * settings.webhook_batch_size}
    watched = {
        **servers,
        **{name: Watched(process.pid, descendants=True) for name, process in stack.processes.items()},
        "receiver": Watched(receiver.process.pid),
        "bench process": Watched(os.getpid()),
    }
    connection = await asyncpg.connect(libpq_url(database.url))
    try:
        raw = {
            workers: await _raw_rate(receiver, hooks, count, concurrency[workers], CpuMeter(watched))
            for workers in (1, 2)
        }
        runs: dict[str, Any] = {}
        for workers in (1, 2):
            label = f"webhook-worker-{workers}"
            process = await stack.start_worker("notifier", "webhook-worker", label)
            watched[label] = Watched(process.pid, descendants=True)
            runs[f"{workers} worker{'s' if workers > 1 else ''}"] = await _throughput(
                connection, receiver, hooks, count, CpuMeter(watched)
            )
        latency = await _latency(admin, connection, receiver, latency_department, latency_hook)
    finally:
        await connection.close()
        await admin.aclose()
    return {
        "benchmark": "webhooks",
        "machine": machine_info(),
        # The machine is shared: its load (1, 5, 15 min) when the measurements began and ended.
        "load_average_at_start": load_at_start,
        "load_average": os.getloadavg(),
        "deliveries_per_run": count,
        "webhooks": WEBHOOKS,
        "batch_size": settings.webhook_batch_size,
        "raw_client": {f"concurrency {concurrency[w]}": raw[w] for w in raw},
        "runs": runs,
        "latency": latency,
        "targets": _targets(runs, raw, latency),
    }


async def _department(admin: httpx.AsyncClient, name: str) -> str:
    created = await admin.post("/api/tickets/departments", json={"name": name})
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def _webhook(
    admin: httpx.AsyncClient, department_id: str, url: str, name: str, events: list[str]
) -> dict[str, Any]:
    """Saved once the notifier has learnt of the department from ticketing's events."""
    saved: dict[str, Any] = {}

    async def created() -> bool:
        answer = await admin.post(
            f"/api/notifications/departments/{department_id}/webhooks",
            json={"name": name, "url": url, "events": events},
        )
        assert answer.status_code in (201, 404), answer.text
        saved.update(answer.json())
        return answer.status_code == 201

    await eventually(created, within=30, what=f"the webhook {name} saved")
    return saved


def _values(number: int) -> dict[str, str]:
    """The placeholders as the consumer fills them in for a ticket event."""
    return {
        "ticket_number": f"TKT-{number:06d}",
        "subject": f"Printer jam on floor 3 (#{number})",
        "status": "open",
        "priority": "high",
        "assigned_to": "ada",
        "customer": str(uuid.uuid4()),
        "department": "Webhooks bulk",
        "event": "ticket_updated",
        "timestamp": datetime.now(UTC).isoformat(),
        "url": f"http://localhost:8000/tickets/TKT-{number:06d}",
    }


async def _raw_rate(
    receiver: Receiver, hooks: list[dict[str, Any]], count: int, concurrency: int, cpu: CpuMeter
) -> dict[str, Any]:
    """The same client as the workers' (the session of requests.open_session, requests.send) posting
    bodies signed beforehand, `concurrency` at a time: no database, no signing in the timed part."""
    outgoing = []
    for number in range(count):
        hook = hooks[number % len(hooks)]
        body = render(DEFAULT_BODY, _values(number)).encode()
        headers = {
            **hook["headers"],
            **signed_headers(
                hook["secret"], message_id=str(uuid.uuid4()), timestamp=int(time.time()), body=body
            ),
        }
        outgoing.append(Outgoing("POST", receiver.url, headers, body))
    await receiver.reset()
    policy = AddressPolicy.from_setting([ALLOWED])
    pending = iter(outgoing)
    statuses: list[int | None] = []

    async def client() -> None:
        for request in pending:
            answered = await send(
                http,
                policy,
                method=request.method,
                url=request.url,
                headers=request.headers,
                body=request.body,
                timeout_seconds=10,
            )
            statuses.append(answered.status)

    async with open_session(policy, connections=max(concurrency, 100)) as http:
        cpu.start()
        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        seconds = time.perf_counter() - started
        usage = cpu.stop()
    assert statuses.count(200) == count, {status: statuses.count(status) for status in set(statuses)}
    seen = await receiver.stats()
    assert len(seen["first"]) == count and not seen["repeated"], (len(seen["first"]), len(seen["repeated"]))
    return {
        "concurrency": concurrency,
        "seconds": round(seconds, 2),
        "per_second": count / seconds,
        "cpu_ms_per_request": _per_item(usage.milliseconds_per_thousand(count)),
        "machine_busy": round(usage.machine_busy_fraction, 3),
    }


def _per_item(per_thousand: dict[str, float]) -> dict[str, float]:
    return {name: round(ms / 1000, 3) for name, ms in per_thousand.items() if ms >= 0.5}


# One row per webhook and event, as deliveries/service.py `queue` writes them, due at no time yet.
_QUEUE_HELD = """
INSERT INTO notifier.webhook_deliveries
    (id, webhook_id, event_id, event_type, ticket_id, "values", state, next_attempt_at)
SELECT gen_random_uuid(), hook, gen_random_uuid(), 'ticket_updated', gen_random_uuid(),
       jsonb_build_object(
           'ticket_number', 'TKT-' || lpad(g::text, 6, '0'),
           'subject', 'Printer jam on floor 3 (#' || g || ')',
           'status', 'open', 'priority', 'high', 'assigned_to', 'ada',
           'customer', gen_random_uuid()::text, 'department', 'Webhooks bulk',
           'event', 'ticket_updated', 'timestamp', now()::text,
           'url', 'http://localhost:8000/tickets/TKT-' || lpad(g::text, 6, '0')),
       'queued', 'infinity'
FROM generate_series(1, $1::int) AS g,
     LATERAL (SELECT ($2::uuid[])[1 + g % array_length($2::uuid[], 1)] AS hook) AS h
"""
_RELEASE = """
UPDATE notifier.webhook_deliveries SET next_attempt_at = now()
WHERE webhook_id = ANY($1::uuid[]) AND state = 'queued'
"""
_FORGET = "DELETE FROM notifier.webhook_deliveries WHERE webhook_id = ANY($1::uuid[])"
_DELIVERED = """
SELECT count(*) FROM notifier.webhook_deliveries WHERE webhook_id = ANY($1::uuid[]) AND state = 'delivered'
"""


async def _throughput(
    connection: asyncpg.Connection, receiver: Receiver, hooks: list[dict[str, Any]], count: int, cpu: CpuMeter
) -> dict[str, Any]:
    ids = [uuid.UUID(hook["id"]) for hook in hooks]
    await connection.execute(_FORGET, ids)
    await connection.execute(_QUEUE_HELD, count, ids)
    await connection.execute("ANALYZE notifier.webhook_deliveries")
    await receiver.reset()
    cpu.start()
    released = _monotonic()
    await connection.execute(_RELEASE, ids)
    deadline = released + 900
    while await connection.fetchval(_DELIVERED, ids) < count:
        assert _monotonic() < deadline, "not every delivery delivered within 900 s"
        await asyncio.sleep(WATCH_SECONDS)
    done = _monotonic()
    usage = cpu.stop()
    await asyncio.sleep(2)  # anything late (a second request for one delivery) would show in the counts now
    seen = await receiver.stats()
    counts = await _counts(connection, ids, seen)
    assert counts["exactly_once"], counts
    first_arrival = min(seen["first"].values())
    seconds = done - released
    return {
        "seconds": round(seconds, 2),
        "per_second": count / seconds,
        # From the first request at the receiver: without the workers' wait for their next poll.
        "per_second_from_first_arrival": count / (done - first_arrival),
        "counts": counts,
        "cpu_ms_per_delivery": _per_item(usage.milliseconds_per_thousand(count)),
        "machine_busy": round(usage.machine_busy_fraction, 3),
    }


# Per delivery: its state, its attempts, and its logged attempts answered 200 under its own webhook-id.
_LOGGED = """
SELECT d.id, d.state, d.attempts, count(a.id) AS logged,
       count(a.id) FILTER (WHERE a.status = 200 AND a.request->'headers'->>'webhook-id' = d.id::text) AS ok
FROM notifier.webhook_deliveries d LEFT JOIN notifier.webhook_attempts a ON a.delivery_id = d.id
WHERE d.webhook_id = ANY($1::uuid[]) GROUP BY d.id
"""


async def _counts(
    connection: asyncpg.Connection, ids: list[uuid.UUID], seen: dict[str, Any]
) -> dict[str, Any]:
    """Every delivery at the receiver once under its own webhook-id, delivered after one attempt, and
    that attempt in the log with its answer."""
    rows = await connection.fetch(_LOGGED, ids)
    delivery_ids = {str(row["id"]) for row in rows}
    counts = {
        "deliveries": len(rows),
        "delivered": sum(row["state"] == "delivered" for row in rows),
        "one_attempt_each": sum(row["attempts"] == 1 for row in rows),
        "logged_once_each": sum(row["logged"] == 1 and row["ok"] == 1 for row in rows),
        "at_receiver": len(delivery_ids & set(seen["first"])),
        "received_twice": len(delivery_ids & set(seen["repeated"])),
        "unknown_at_receiver": len(set(seen["first"]) - delivery_ids),
        "requests_at_receiver": seen["requests"],
    }
    whole = len(rows)
    counts["exactly_once"] = (
        counts["delivered"] == counts["one_attempt_each"] == counts["logged_once_each"] == whole
        and counts["at_receiver"] == whole == counts["requests_at_receiver"]
        and counts["received_twice"] == 0
        and counts["unknown_at_receiver"] == 0
    )
    return counts


async def _latency(
    admin: httpx.AsyncClient,
    connection: asyncpg.Connection,
    receiver: Receiver,
    department_id: str,
    hook: dict[str, Any],
) -> dict[str, Any]:
    """Tickets created through the gateway at LATENCY_PER_SECOND, one at a time: from just before the
    API call to the first arrival of its ticket_created webhook."""
    await receiver.reset()
    started: dict[uuid.UUID, float] = {}
    pace = 1 / LATENCY_PER_SECOND
    begun = _monotonic()
    for number in range(LATENCY_TICKETS):
        await asyncio.sleep(max(begun + number * pace - _monotonic(), 0))
        at = _monotonic()
        created = await admin.post(
            "/api/tickets",
            json={"title": f"Latency probe {number}", "department_id": department_id, "priority": "high"},
        )
        assert created.status_code == 201, created.text
        started[uuid.UUID(created.json()["id"])] = at
    pace_seconds = _monotonic() - begun

    async def all_arrived() -> bool:
        return len((await receiver.stats())["first"]) >= LATENCY_TICKETS

    await eventually(all_arrived, within=60, what="every latency probe at the receiver")
    seen = await receiver.stats()
    rows = await connection.fetch(
        "SELECT id, ticket_id FROM notifier.webhook_deliveries WHERE webhook_id = $1", uuid.UUID(hook["id"])
    )
    latencies = [seen["first"][str(row["id"])] - started[row["ticket_id"]] for row in rows]
    assert len(latencies) == LATENCY_TICKETS and not seen["repeated"], (len(latencies), seen["repeated"])
    stages = await connection.fetch(_STAGES, uuid.UUID(hook["id"]))
    return {
        "tickets": LATENCY_TICKETS,
        "offered_per_second": LATENCY_PER_SECOND,
        "achieved_per_second": LATENCY_TICKETS / pace_seconds,
        "p50_ms": _percentile(latencies, 50),
        "p99_ms": _percentile(latencies, 99),
        "max_ms": max(latencies) * 1000,
        # Where the time goes (the database's clock): ticket committed -> delivery queued by the
        # notifier's consumer (relay, bus, consumer) -> request sent by a worker (wake-up, claim).
        "stages_p50_ms": {
            name: _percentile([row[name] for row in stages], 50) / 1000 for name in ("to_queued", "to_sent")
        },
        "stages_p99_ms": {
            name: _percentile([row[name] for row in stages], 99) / 1000 for name in ("to_queued", "to_sent")
        },
    }


_STAGES = """
SELECT (extract(epoch FROM d.created_at - t.created_at) * 1000)::float8 AS to_queued,
       (extract(epoch FROM a.sent_at - d.created_at) * 1000)::float8 AS to_sent
FROM notifier.webhook_deliveries d
JOIN ticketing.tickets t ON t.id = d.ticket_id
JOIN notifier.webhook_attempts a ON a.delivery_id = d.id
WHERE d.webhook_id = $1
"""


def _percentile(values: list[float], percent: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1] * 1000


def _targets(runs: dict[str, Any], raw: dict[int, Any], latency: dict[str, Any]) -> list[dict[str, Any]]:
    two = runs["2 workers"]["per_second"]
    share = two / raw[2]["per_second"]
    return [
        {
            "title": "two workers >= 2,000 signed, logged deliveries/s",
            "measured": f"{two:.0f}/s ({share:.2f} x the raw client at the same concurrency)",
            "passed": two >= 2000,
        },
        {
            "title": "ticket change to webhook p99 < 200 ms, not saturated",
            "measured": f"{latency['p99_ms']:.1f} ms (p50 {latency['p50_ms']:.1f} ms)",
            "passed": latency["p99_ms"] < 200,
        },
    ]


def _load(averages: list[float]) -> str:
    return " / ".join(f"{average:.2f}" for average in averages)


def render_report(report: dict[str, Any]) -> str:
    lines = [
        f"{report['deliveries_per_run']} deliveries per run over {report['webhooks']} webhooks; "
        f"batch {report['batch_size']}; load average at start {_load(report['load_average_at_start'])}, "
        f"at end {_load(report['load_average'])}",
    ]
    for name, raw in report["raw_client"].items():
        lines.append(
            f"raw client (aiohttp, requests.send, pre-signed), {name}: {raw['per_second']:.0f}/s; CPU ms per "
            "request: " + ", ".join(f"{n} {ms:.2f}" for n, ms in raw["cpu_ms_per_request"].items())
        )
    raws = list(report["raw_client"].values())
    for (name, run), raw in zip(report["runs"].items(), raws, strict=True):
        lines.append(
            f"{name}: {run['per_second']:.0f} deliveries/s ({run['seconds']} s; "
            f"{run['per_second_from_first_arrival']:.0f}/s from the first arrival), "
            f"{run['per_second'] / raw['per_second']:.2f} x the raw client; exactly once: "
            f"{'yes' if run['counts']['exactly_once'] else 'NO'}"
        )
        lines.append(
            "  CPU ms per delivery: "
            + ", ".join(f"{n} {ms:.2f}" for n, ms in run["cpu_ms_per_delivery"].items())
            + f"  (machine busy {run['machine_busy']:.0%})"
        )
    latency = report["latency"]
    lines.append(
        f"ticket created -> webhook at the receiver, {latency['tickets']} at "
        f"{latency['offered_per_second']:g}/s: "
        f"p50 {latency['p50_ms']:.1f} ms, p99 {latency['p99_ms']:.1f} ms, max {latency['max_ms']:.1f} ms"
    )
    lines.append(
        "  stages p50 / p99 (ms): "
        + ", ".join(
            f"{name} {latency['stages_p50_ms'][name]:.1f} / {latency['stages_p99_ms'][name]:.1f}"
            for name in latency["stages_p50_ms"]
        )
    )
    for target in report["targets"]:
        lines.append(f"{'PASS' if target['passed'] else 'FAIL'}  {target['title']}: {target['measured']}")
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=20000, help="deliveries per throughput run")
    options = parser.parse_args()
    asyncio.run(main(options.count))
