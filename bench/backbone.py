"""Events/s through outbox -> relay -> JetStream -> inbox consumer, beside PostgreSQL's raw insert rate."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import uvloop

from bench.pipeline import Load, Mode, PipelineResult, measure_pipeline
from bench.raw_insert import RawInsertResult, measure_raw_insert
from bench.report import Report, machine_info, render, targets, write_json
from bench.servers import BenchDatabase, BenchServers, bench_database, bench_servers, server_facts
from helpdesk_common.config import HelpdeskSettings
from helpdesk_common.embedded import EMBEDDED_NATS_SYNC
from tests.backbone.harness import ticket_created

RESULTS = Path(__file__).parent / "results"
_EPILOG = """\
Servers come from HELPDESK_BENCH_NATS_URL and HELPDESK_BENCH_DATABASE_URL (an admin URL) when set, and are
embedded otherwise (NATS as `helpdesk up` runs it, PostgreSQL with fsync on). A server given by URL must be a
throwaway one: the benchmark deletes its TICKET_EVENTS stream. The relay and the consumer read the usual
tuning variables (HELPDESK_RELAY_BATCH_SIZE, HELPDESK_CONSUMER_BATCH_SIZE, ...).
Exits 1 when a target is missed.
"""

# What the relay and consumer processes run with (from HELPDESK_* variables, else the defaults).
_SERVICE_SETTINGS = (
    "relay_batch_size",
    "relay_idle_seconds",
    "relay_retain_seconds",
    "consumer_batch_size",
    "consumer_batch_timeout_seconds",
    "database_pool_size",
)


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.backbone", description=__doc__, epilog=_EPILOG)
    parser.add_argument("--events", type=int, default=30_000, help="events measured per mode")
    parser.add_argument("--warmup-events", type=int, default=1_000, help="events before the clock starts")
    parser.add_argument("--clients", type=int, default=8, help="concurrent writers (pgbench and producer)")
    parser.add_argument("--batch", type=int, default=100, help="events per transaction in the batched mode")
    parser.add_argument("--raw-seconds", type=int, default=10, help="length of each pgbench run")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds allowed per mode")
    parser.add_argument(
        "--producer",
        choices=("pgbench", "python"),
        default="pgbench",
        help="who writes the outbox rows: pgbench's clients (C, as wrk drives the HTTP benchmarks) or "
        "asyncpg writers in the benchmark's own process (which then takes CPU from the pipeline)",
    )
    parser.add_argument(
        "--nats-sync",
        choices=("interval", "always", "default"),
        default="interval",
        help="embedded NATS: as `helpdesk up` runs it (JetStream written to disk every second, relays "
        "keeping what they published for longer), an fsync at every JetStream write, or JetStream's "
        "default interval (as an R3 cluster runs, durable through its replicas)",
    )
    return parser.parse_args()


def _modes(batch: int) -> list[Mode]:
    return [
        Mode("per-event", "1 event per transaction", 1),
        Mode("batched", f"{batch} events per transaction", batch),
    ]


def _settings(options: argparse.Namespace) -> dict[str, Any]:
    service = HelpdeskSettings().model_dump(include=set(_SERVICE_SETTINGS))
    return {
        "events": options.events,
        "warmup_events": options.warmup_events,
        "clients": options.clients,
        "batch": options.batch,
        "raw_seconds": options.raw_seconds,
        "producer": options.producer,
        "service": {name: service[name] for name in _SERVICE_SETTINGS},
    }


async def _bench(options: argparse.Namespace) -> Report:
    started_at = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="helpdesk-bench-") as temporary:
        work_dir = Path(temporary)
        sync = EMBEDDED_NATS_SYNC if options.nats_sync == "interval" else options.nats_sync
        with bench_servers(work_dir, nats_sync=sync) as servers:
            # The relay and consumer processes inherit this process's environment.
            os.environ.update(servers.service_environment())
            servers_facts = await server_facts(servers)
            async with bench_database(servers.admin_url) as database:
                raw, pipelines = await _measure(servers, database, options, work_dir)
    return Report(
        started_at=started_at,
        machine=machine_info(),
        servers=servers_facts,
        settings=_settings(options),
        raw=raw,
        pipelines=pipelines,
    )


async def _measure(
    servers: BenchServers, database: BenchDatabase, options: argparse.Namespace, work_dir: Path
) -> tuple[list[RawInsertResult], list[PipelineResult]]:
    """pgbench before and after the pipelines, so that a drifting disk shows."""
    load = Load(options.events, options.warmup_events, options.clients, options.timeout, options.producer)
    payload = ticket_created(0).to_json()

    async def raw() -> RawInsertResult:
        return await measure_raw_insert(
            database.admin_url,
            payload,
            clients=options.clients,
            seconds=options.raw_seconds,
            work_dir=work_dir,
        )

    before = await raw()
    pipelines = [
        await measure_pipeline(servers, database, mode, load, work_dir) for mode in _modes(options.batch)
    ]
    return [before, await raw()], pipelines


def main() -> int:
    report = uvloop.run(_bench(_options()))
    results_file = write_json(report, RESULTS)
    print(render(report, _shown(results_file)))
    return 0 if all(target.passed for target in targets(report)) else 1


def _shown(path: Path) -> Path:
    return path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path


if __name__ == "__main__":
    sys.exit(main())
