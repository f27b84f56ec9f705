"""PostgreSQL's raw single-row insert rate: pgbench, one INSERT of an event-sized row per transaction."""

from __future__ import annotations

import asyncio
import os
import re
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from helpdesk_common.db import libpq_url
from helpdesk_common.embedded import postgres_bin_dir

_TABLE = "bench_raw.raw_insert"
_TPS = re.compile(r"^tps = ([0-9.]+) \(without initial connection time\)", re.MULTILINE)
_LATENCY = re.compile(r"^latency average = ([0-9.]+) ms", re.MULTILINE)


@dataclass(frozen=True)
class RawInsertResult:
    transactions_per_second: float
    latency_ms: float
    clients: int
    seconds: int
    payload_bytes: int
    command: str


async def measure_raw_insert(
    admin_url: str, payload: bytes, *, clients: int, seconds: int, work_dir: Path
) -> RawInsertResult:
    """Runs pgbench against the bench database as its admin, into a table of its own."""
    await _create_table(admin_url)
    script = work_dir / "raw_insert.sql"
    script.write_text(f"INSERT INTO {_TABLE} (payload) VALUES ({_literal(payload)});\n")
    options = [
        "--no-vacuum",
        "--protocol=prepared",
        f"--client={clients}",
        f"--jobs={min(clients, os.cpu_count() or 1)}",
        f"--time={seconds}",
        f"--file={script}",
    ]
    output = await run_pgbench(options, admin_url)
    return RawInsertResult(
        transactions_per_second=_figure(_TPS, output),
        latency_ms=_figure(_LATENCY, output),
        clients=clients,
        seconds=seconds,
        payload_bytes=len(payload),
        command=" ".join(options),
    )


async def _create_table(admin_url: str) -> None:
    # The shape of an outbox row, roughly: a key, an event-sized payload, a timestamp.
    connection = await asyncpg.connect(libpq_url(admin_url))
    try:
        await connection.execute("CREATE SCHEMA IF NOT EXISTS bench_raw")
        await connection.execute(
            f"CREATE TABLE IF NOT EXISTS {_TABLE} (id bigserial PRIMARY KEY, payload text NOT NULL,"
            " created_at timestamptz NOT NULL DEFAULT now())"
        )
    finally:
        await connection.close()


async def run_pgbench(options: list[str], database_url: str) -> str:
    """pgbench (from the embedded PostgreSQL's binaries) against `database_url`; its output."""
    process = await asyncio.create_subprocess_exec(
        str(postgres_bin_dir() / "pgbench"),
        *options,
        env={**os.environ, **_libpq_environment(database_url)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"pgbench failed ({process.returncode}): {stderr.decode()[-2000:]}")
    return stdout.decode()


def _libpq_environment(database_url: str) -> dict[str, str]:
    # Through the environment, so the password is not on a command line that `ps` shows.
    url = make_url(libpq_url(database_url))
    settings = {
        "PGHOST": url.host,
        "PGPORT": url.port,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
    }
    return {name: str(value) for name, value in settings.items() if value is not None}


def _literal(payload: bytes) -> str:
    # pgbench reads ":name" anywhere in a script as a variable, even inside a string literal, so
    # colons become "=": the row keeps the event's size, which is all the insert's cost depends on.
    return "'" + payload.decode().replace(":", "=").replace("'", "''") + "'"


def _figure(pattern: re.Pattern[str], output: str) -> float:
    found = pattern.search(output)
    if found is None:
        raise RuntimeError(f"pgbench printed no {pattern.pattern!r}:\n{output}")
    return float(found.group(1))
