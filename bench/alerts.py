"""An alert storm (issue 20, part 12): 100,000 triggers from 1,000 hosts over 60 seconds on the bus,
correlated by the itsm consumers role in processes of its own: the exact number of incidents, none
duplicated, alert-to-incident latency p50/p99/max; then the sustained rate of a backlog of the same
shape drained by one and by two correlator processes; beside the raw JetStream publish rate measured
in the same run.

The alerts are what a monitoring system sends (docs/alerts.md): 90% are per-host checks (10 per host,
each its own dedup key and no rule, so 10,000 incidents), 10% fire 5 storm rules across 200 hosts
each (5 storm incidents, each gathering the 2 per-host incidents its rule opened before the
threshold of 3 hosts was reached), so a phase ends with exactly 10,015 incidents, 10,005 of them
open, whose alert counts add up to the alerts sent.

Run with `make bench-alerts` (COUNT=20000 for a shorter run); never by the tests. Servers:
HELPDESK_BENCH_* URLs, else embedded durable ones."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import nats
import orjson
from nats.js import JetStreamContext
from nats.js.api import StreamConfig

from bench.report import machine_info
from bench.servers import bench_servers, server_facts
from bench.tickets import drop_database
from helpdesk_common.bus.topology import ensure_streams
from helpdesk_common.db import libpq_url
from helpdesk_common.testing.plugin import TestDatabase
from tests.journeys.stack import RunningStack, start_stack

RESULTS = Path(__file__).parent / "results"
HOSTS = 1000
CHECKS_PER_HOST = 10
STORM_RULES = 5
STORM_HOSTS = 200
STORM_SHARE = 0.1
# The storm threshold's hosts less one open per-host incidents before each storm gathers them.
GATHERED_PER_STORM = 2
# Publications awaited at once: enough to keep JetStream's acks flowing, as a busy producer would.
IN_FLIGHT = 512
TICK_SECONDS = 0.05
STACK_ROLES = {"itsm": ("api", "relay", "jobs")}


@dataclass(frozen=True)
class Phase:
    source: str
    alerts: list[dict[str, Any]]

    @property
    def expected_incidents(self) -> int:
        per_host = len({alert["data"]["dedup_key"] for alert in self.alerts if alert["data"]["dedup_key"]})
        return per_host + STORM_RULES * (1 + GATHERED_PER_STORM)


def storm(source: str, count: int, seed: int) -> Phase:
    """`count` alert envelopes of one source, shuffled with `seed` (their `time` is set when sent)."""
    generator = random.Random(seed)
    storm_count = int(count * STORM_SHARE)
    alerts = [
        _per_host(source, generator.randrange(HOSTS), generator.randrange(CHECKS_PER_HOST))
        for _ in range(count - storm_count)
    ]
    alerts += [
        _storm(source, generator.randrange(STORM_RULES), generator.randrange(STORM_HOSTS))
        for _ in range(storm_count)
    ]
    generator.shuffle(alerts)
    return Phase(source, alerts)


def _envelope(source: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "",
        "type": "alert",
        "source": source,
        "time": "",
        "subject": data.get("dedup_key") or "",
        "specversion": "1.0",
        "dataschema": "urn:helpdesk:event:alert:v1",
        "datacontenttype": "application/json",
        "data": data,
    }


def _per_host(source: str, host: int, check: int) -> dict[str, Any]:
    name = f"{source}-host-{host:04d}"
    return _envelope(
        source,
        {
            "event_action": "trigger",
            "dedup_key": f"{name}/check-{check}",
            "payload": {
                "summary": f"check {check} failing on {name}",
                "source": name,
                "severity": ("critical", "error", "warning", "info")[check % 4],
                "class": "host",
                "custom_details": {"value": check * 7, "threshold": 50},
            },
        },
    )


def _storm(source: str, rule: int, host: int) -> dict[str, Any]:
    name = f"{source}-web-{host:04d}"
    return _envelope(
        source,
        {
            "event_action": "trigger",
            "dedup_key": None,
            "payload": {
                "summary": f"upstream {rule} unreachable from {name}",
                "source": name,
                "severity": "critical",
                "rule": f"upstream_{rule}_unreachable",
            },
        },
    )


async def publish(js: JetStreamContext, alerts: list[dict[str, Any]], *, over_seconds: float | None) -> float:
    """Every alert on `alerts.<source>`, stamped as it goes; paced evenly over `over_seconds`, else as
    fast as JetStream acknowledges. The seconds it took."""
    started = time.perf_counter()
    window = asyncio.Semaphore(IN_FLIGHT)
    pending: set[asyncio.Task[Any]] = set()

    async def one(alert: dict[str, Any]) -> None:
        try:
            event_id = str(uuid.uuid4())
            alert = {**alert, "id": event_id, "time": datetime.now(UTC).isoformat()}
            await js.publish(
                f"alerts.{alert['source']}", orjson.dumps(alert), headers={"Nats-Msg-Id": event_id}
            )
        finally:
            window.release()

    ticks = max(1, int((over_seconds or 0) / TICK_SECONDS))
    per_tick = len(alerts) / ticks
    for tick in range(ticks):
        if over_seconds:
            await asyncio.sleep(max(0.0, started + tick * TICK_SECONDS - time.perf_counter()))
        for alert in alerts[round(tick * per_tick) : round((tick + 1) * per_tick)]:
            await window.acquire()
            task = asyncio.create_task(one(alert))
            pending.add(task)
            task.add_done_callback(pending.discard)
    await asyncio.gather(*pending)
    return time.perf_counter() - started


async def raw_publish_rate(js: JetStreamContext, sample: dict[str, Any], count: int) -> dict[str, float]:
    """JetStream's own rate for messages of an alert's size, acknowledged, with the same window."""
    await js.add_stream(StreamConfig(name="BENCH_RAW", subjects=["benchraw.>"]))
    payload = orjson.dumps({**sample, "id": str(uuid.uuid4()), "time": datetime.now(UTC).isoformat()})
    window = asyncio.Semaphore(IN_FLIGHT)
    pending: set[asyncio.Task[Any]] = set()

    async def one(number: int) -> None:
        try:
            await js.publish("benchraw.alerts", payload, headers={"Nats-Msg-Id": f"raw-{number}"})
        finally:
            window.release()

    started = time.perf_counter()
    for number in range(count):
        await window.acquire()
        task = asyncio.create_task(one(number))
        pending.add(task)
        task.add_done_callback(pending.discard)
    await asyncio.gather(*pending)
    seconds = time.perf_counter() - started
    await js.delete_stream("BENCH_RAW")
    return {"messages": count, "seconds": round(seconds, 2), "per_second": round(count / seconds)}


async def wait_correlated(connection: Any, source: str, count: int, *, within: float) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if await connection.fetchval("SELECT count(*) FROM itsm.alerts WHERE source = $1", source) >= count:
            return
        await asyncio.sleep(0.25)
    done = await connection.fetchval("SELECT count(*) FROM itsm.alerts WHERE source = $1", source)
    raise SystemExit(f"{source}: only {done} of {count} alerts correlated in {within:.0f} s")


async def verdict(connection: Any, phase: Phase) -> dict[str, Any]:
    """What the correlator made of a phase, against what it must have made."""
    row = await connection.fetchrow(
        """
        SELECT count(*) AS incidents,
               count(*) FILTER (WHERE is_storm) AS storms,
               count(*) FILTER (WHERE status = 'closed' AND storm_id IS NOT NULL) AS gathered,
               coalesce(sum(alert_count) FILTER (WHERE status <> 'closed'), 0) AS alerts_in_open,
               min(host_count) FILTER (WHERE is_storm) AS fewest_storm_hosts
        FROM itsm.incidents WHERE source = $1
        """,
        phase.source,
    )
    duplicated_keys = await connection.fetchval(
        """
        SELECT count(*) FROM (
            SELECT k.correlation_key FROM itsm.incident_keys k JOIN itsm.incidents i ON i.id = k.incident_id
            WHERE i.source = $1 AND i.status IN ('open', 'acknowledged') GROUP BY 1 HAVING count(*) > 1
        ) AS twice
        """,
        phase.source,
    )
    rows = await connection.fetchval("SELECT count(*) FROM itsm.alerts WHERE source = $1", phase.source)
    expected = phase.expected_incidents
    return {
        "alerts": len(phase.alerts),
        "alert_rows": rows,
        "incidents": row["incidents"],
        "incidents_expected": expected,
        "storms": row["storms"],
        "gathered": row["gathered"],
        "fewest_hosts_in_a_storm": row["fewest_storm_hosts"],
        "alerts_counted_on_open_incidents": row["alerts_in_open"],
        "keys_held_twice": duplicated_keys,
        "exact": row["incidents"] == expected
        and row["storms"] == STORM_RULES
        and row["gathered"] == STORM_RULES * GATHERED_PER_STORM
        and row["alerts_in_open"] == len(phase.alerts)
        and rows == len(phase.alerts)
        and duplicated_keys == 0,
    }


async def latency(connection: Any, source: str) -> dict[str, float]:
    row = await connection.fetchrow(
        """
        SELECT percentile_cont(ARRAY[0.5, 0.99])
                   WITHIN GROUP (ORDER BY extract(epoch FROM correlated_at - received_at)) AS p,
               max(extract(epoch FROM correlated_at - received_at)) AS worst
        FROM itsm.alerts WHERE source = $1
        """,
        source,
    )
    return {
        "p50_ms": round(row["p"][0] * 1000, 1),
        "p99_ms": round(row["p"][1] * 1000, 1),
        "max_ms": round(float(row["worst"]) * 1000, 1),
    }


async def sustained(connection: Any, source: str) -> dict[str, float]:
    """Alerts per second from the first correlated to the last: the drain rate of a backlog."""
    row = await connection.fetchrow(
        "SELECT count(*) AS n, extract(epoch FROM max(correlated_at) - min(correlated_at)) AS seconds "
        "FROM itsm.alerts WHERE source = $1",
        source,
    )
    seconds = float(row["seconds"])
    return {"seconds": round(seconds, 2), "per_second": round(row["n"] / seconds)}


async def main(count: int, seconds: float) -> None:
    with (
        tempfile.TemporaryDirectory(prefix="helpdesk-bench-alerts-") as work,
        bench_servers(Path(work)) as servers,
    ):
        os.environ.update(servers.service_environment())
        database = TestDatabase(admin_url=servers.admin_url, name=f"bench_{uuid.uuid4().hex[:10]}")
        stack = await start_stack(
            servers,
            database,
            Path(work),
            auth_cache_seconds=2.0,
            upstreams=("itsm",),
            roles=STACK_ROLES,  # type: ignore[arg-type]
        )
        try:
            report = await measure(stack, servers, database, count, seconds)
        finally:
            stack.stop()
            await drop_database(database)
    print(render(report))
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"alerts-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(report, indent=2, default=str))
    print(f"results: {path}")


async def measure(
    stack: RunningStack, servers: Any, database: TestDatabase, count: int, seconds: float
) -> dict[str, Any]:
    client = await nats.connect(servers.nats_url)
    js = client.jetstream()
    await ensure_streams(js)
    connection = await asyncpg.connect(libpq_url(database.url))
    paced, backlog_one, backlog_two = (
        storm("storm", count, 1),
        storm("backlog1", count, 2),
        storm("backlog2", count, 3),
    )
    report: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(),
        "machine": machine_info(),
        "servers": await server_facts(servers),
        "alerts_per_phase": count,
        "hosts": HOSTS,
    }
    try:
        report["raw_jetstream_publish"] = await raw_publish_rate(js, paced.alerts[0], count)
        await stack.start_worker("itsm", "consumers", "correlator-1")
        took = await publish(js, paced.alerts, over_seconds=seconds)
        await wait_correlated(connection, paced.source, count, within=seconds + 300)
        report["storm"] = {
            "published_seconds": round(took, 1),
            "published_per_second": round(count / took),
            **await verdict(connection, paced),
            **await latency(connection, paced.source),
        }
        for phase, correlators in ((backlog_one, 1), (backlog_two, 2)):
            stack.stop_worker("correlator-1")
            if "correlator-2" in stack.processes:
                stack.stop_worker("correlator-2")
            took = await publish(js, phase.alerts, over_seconds=None)
            for number in range(1, correlators + 1):
                await stack.start_worker("itsm", "consumers", f"correlator-{number}")
            await wait_correlated(connection, phase.source, count, within=600)
            report[f"backlog, {correlators} correlator{'s' if correlators > 1 else ''}"] = {
                "published_per_second": round(count / took),
                **await verdict(connection, phase),
                **await sustained(connection, phase.source),
            }
    finally:
        await connection.close()
        await client.close()
    return report


def render(report: dict[str, Any]) -> str:
    raw = report["raw_jetstream_publish"]["per_second"]
    lines = [
        f"bench-alerts {report['when']} on {report['machine']}",
        f"raw JetStream publish (acknowledged, {IN_FLIGHT} in flight): {raw:,}/s",
    ]
    storm_run = report["storm"]
    lines.append(
        f"storm: {storm_run['alerts']:,} alerts over {storm_run['published_seconds']} s: "
        f"{storm_run['incidents']:,} incidents of {storm_run['incidents_expected']:,} expected, "
        f"{storm_run['storms']} storms, exact={storm_run['exact']}, "
        f"latency p50 {storm_run['p50_ms']} ms p99 {storm_run['p99_ms']} ms max {storm_run['max_ms']} ms"
    )
    for name, run in report.items():
        if name.startswith("backlog"):
            lines.append(
                f"{name}: {run['per_second']:,} alerts/s correlated "
                f"({run['per_second'] / raw:.2f}x raw publish), "
                f"{run['incidents']:,} incidents of {run['incidents_expected']:,}, exact={run['exact']}"
            )
    return "\n".join(lines)


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100_000, help="alerts per phase")
    parser.add_argument("--seconds", type=float, default=60.0, help="the storm's length")
    return parser.parse_args()


if __name__ == "__main__":
    options = _options()
    asyncio.run(main(options.count, options.seconds))
