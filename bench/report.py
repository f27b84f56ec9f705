"""The backbone benchmark's figures: a table for people, a JSON document for machines."""

from __future__ import annotations

import dataclasses
import json
import os
import platform
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import psutil

from bench.pipeline import PipelineResult
from bench.raw_insert import RawInsertResult

MIN_EVENTS_PER_SECOND = 3000.0
MIN_SHARE_OF_RAW = 0.35
# Above this share of the machine's CPU spent outside the benchmark, the output says so.
_OTHER_WORK_WARNING = 0.05


@dataclass(frozen=True)
class Report:
    started_at: datetime
    machine: dict[str, Any]
    servers: dict[str, str]
    settings: dict[str, Any]
    raw: list[RawInsertResult]
    pipelines: list[PipelineResult]

    @property
    def raw_rate(self) -> float:
        """Mean of the pgbench runs (one before and one after the pipelines: the disk drifts)."""
        return sum(run.transactions_per_second for run in self.raw) / len(self.raw)

    def share_of_raw(self, result: PipelineResult) -> float:
        return result.end_to_end_rate / self.raw_rate


@dataclass(frozen=True)
class Target:
    title: str
    measured: str
    passed: bool


def machine_info() -> dict[str, Any]:
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_model": _cpu_model(),
        "memory_bytes": psutil.virtual_memory().total,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def targets(report: Report) -> list[Target]:
    """The rate targets hold for writes as a service makes them: one event per transaction."""
    result = next(result for result in report.pipelines if result.mode.events_per_transaction == 1)
    share = report.share_of_raw(result)
    exactly_once = all(result.delivery.exactly_once for result in report.pipelines)
    return [
        Target(
            f"end to end >= {MIN_EVENTS_PER_SECOND:,.0f} events/s",
            f"{result.end_to_end_rate:,.0f}/s",
            result.end_to_end_rate >= MIN_EVENTS_PER_SECOND,
        ),
        Target(
            f"end to end >= {MIN_SHARE_OF_RAW:.0%} of raw insert", f"{share:.1%}", share >= MIN_SHARE_OF_RAW
        ),
        Target("every event applied exactly once (all modes)", "yes" if exactly_once else "NO", exactly_once),
    ]


def render(report: Report, results_file: Path) -> str:
    return "\n".join(
        [
            "Backbone throughput: outbox -> relay -> JetStream -> inbox consumer",
            *_header(report),
            "",
            *_figures(report),
            "",
            *_cpu(report),
            "",
            *_targets(report),
            "",
            f"results   {results_file}",
        ]
    )


def _header(report: Report) -> list[str]:
    machine, servers, settings = report.machine, report.servers, report.settings
    return [
        f"machine   {machine['nproc']} cores, {machine['cpu_model']}, "
        f"{machine['memory_bytes'] / 2**30:.1f} GiB, Python {machine['python']}",
        f"NATS      {servers['nats_version']} ({servers['nats_origin']}, "
        f"sync_interval {servers['nats_sync_interval']})",
        f"Postgres  {servers['postgresql_server_version']} ({servers['postgresql_origin']}, fsync "
        f"{servers['postgresql_fsync']}, synchronous_commit {servers['postgresql_synchronous_commit']})",
        f"load      {settings['clients']} concurrent writers, {settings['events']:,} events per mode "
        f"after {settings['warmup_events']:,} warm-up",
        f"services  {_service_settings(settings['service'])}",
    ]


def _service_settings(service: dict[str, Any]) -> str:
    return ", ".join(f"{name} {value}" for name, value in service.items())


def _figures(report: Report) -> list[str]:
    raw = " / ".join(f"{run.transactions_per_second:,.0f}" for run in report.raw)
    lines = [
        f"{'':<40}{'written/s':>10}{'end to end/s':>14}{'% of raw':>10}"
        f"{'peak backlog: outbox':>22}{'stream':>8}  exactly once",
        f"{'raw INSERT, pgbench, 1 row per transaction':<40}{report.raw_rate:>10,.0f}"
        f"   (before / after: {raw}; {report.raw[0].payload_bytes}-byte rows)",
    ]
    for result in report.pipelines:
        delivery, progress = result.delivery, result.progress
        lines.append(
            f"{'pipeline, ' + result.mode.title:<40}{result.produce_rate:>10,.0f}"
            f"{result.end_to_end_rate:>14,.0f}{report.share_of_raw(result):>10.1%}"
            f"{progress.peak_outbox_backlog:>22,}{progress.peak_stream_backlog:>8,}  "
            f"{'yes' if delivery.exactly_once else 'NO'} ({delivery.lost} lost, {delivery.doubled} doubled, "
            f"{delivery.applied_rows:,} rows for {delivery.produced:,} events)"
        )
    return lines


def _cpu(report: Report) -> list[str]:
    names = list(report.pipelines[0].cpu.milliseconds_per_thousand(1))
    lines = [f"{'CPU ms per 1,000 events':<40}" + "".join(f"{name:>11}" for name in names) + "  machine busy"]
    for result in report.pipelines:
        per_thousand = result.cpu.milliseconds_per_thousand(result.events)
        lines.append(
            f"{result.mode.title:<40}"
            + "".join(f"{per_thousand[name]:>11,.0f}" for name in names)
            + f"{result.cpu.machine_busy_fraction:>14.0%}"
        )
    lines.append(
        "(pgbench = the writers; bench = this process (the writers too with --producer python); relay = the "
        "producer service's relay; kernel = kernel threads and interrupts; other = the rest of the machine)"
    )
    busy_elsewhere = max(
        result.cpu.other_seconds / result.cpu.machine_busy_seconds for result in report.pipelines
    )
    if busy_elsewhere > _OTHER_WORK_WARNING:
        lines.append(
            f"WARNING: other work took up to {busy_elsewhere:.0%} of the CPU used; rates are understated"
        )
    return lines


def _targets(report: Report) -> list[str]:
    lines = ["targets (pipeline, 1 event per transaction)"]
    for target in targets(report):
        lines.append(f"  {target.title:<48}{target.measured:>10}  {'PASS' if target.passed else 'FAIL'}")
    return lines


def write_json(report: Report, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"backbone-{report.started_at:%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(_document(report), indent=2) + "\n")
    return path


def _document(report: Report) -> dict[str, Any]:
    return {
        "benchmark": "backbone",
        "started_at": report.started_at.isoformat(),
        "machine": report.machine,
        "servers": report.servers,
        "settings": report.settings,
        "raw_insert": {
            "transactions_per_second": report.raw_rate,
            "runs": [dataclasses.asdict(run) for run in report.raw],
        },
        "pipeline": [_pipeline_document(report, result) for result in report.pipelines],
        "targets": [dataclasses.asdict(target) for target in targets(report)],
    }


def _pipeline_document(report: Report, result: PipelineResult) -> dict[str, Any]:
    return {
        "mode": dataclasses.asdict(result.mode),
        "events": result.events,
        "produce_seconds": result.produce_seconds,
        "end_to_end_seconds": result.end_to_end_seconds,
        "produce_events_per_second": result.produce_rate,
        "end_to_end_events_per_second": result.end_to_end_rate,
        "share_of_raw_insert": report.share_of_raw(result),
        "delivery": {**dataclasses.asdict(result.delivery), "exactly_once": result.delivery.exactly_once},
        "peak_outbox_backlog": result.progress.peak_outbox_backlog,
        "peak_stream_backlog": result.progress.peak_stream_backlog,
        "cpu": {
            "seconds": result.cpu.seconds,
            "kernel_seconds": result.cpu.kernel_seconds,
            "other_seconds": result.cpu.other_seconds,
            "machine_busy_fraction": result.cpu.machine_busy_fraction,
            "milliseconds_per_1000_events": result.cpu.milliseconds_per_thousand(result.events),
        },
        "progress_samples": {
            "columns": ["seconds", "committed", "in_stream", "applied"],
            "rows": result.progress.samples,
        },
    }
