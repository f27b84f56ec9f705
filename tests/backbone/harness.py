"""Running the probe services as real processes and reading what they did."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

from helpdesk_common.contracts import TicketCreated
from helpdesk_common.contracts.tickets import TicketChangeData, TicketSnapshot
from helpdesk_common.db import create_engine, libpq_url
from helpdesk_common.embedded import free_port
from helpdesk_common.outbox import add_events

REPO = Path(__file__).resolve().parents[2]


@dataclass
class ProbeProcesses:
    """Starts, kills and restarts `python -m tests.backbone.probe <kind>` processes."""

    nats_url: str
    database_urls: dict[str, str]
    log_dir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    running: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, kind: str, **env: str) -> subprocess.Popen[bytes]:
        assert kind not in self.running or self.running[kind].poll() is not None, f"{kind} already runs"
        log = open(self.log_dir / f"{kind}.log", "ab")
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.backbone.probe", kind],
            cwd=REPO,
            env={
                **os.environ,
                "HELPDESK_DATABASE_URL": self.database_urls[kind],
                "HELPDESK_NATS_URL": self.nats_url,
                "HELPDESK_HTTP_PORT": str(free_port()),
                "HELPDESK_CONSUMER_MAX_DELIVER": "3",
                "HELPDESK_CONSUMER_BACKOFF_BASE_SECONDS": "0.2",
                "HELPDESK_LOG_JSON": "false",
                **self.extra_env,
                **env,
            },
            stdout=log,
            stderr=log,
        )
        self.running[kind] = process
        return process

    def kill(self, kind: str) -> None:
        """SIGKILL: no cleanup, no last ack, no rollback but the server's own."""
        process = self.running[kind]
        process.send_signal(signal.SIGKILL)
        process.wait(10)

    def stop_all(self) -> None:
        for process in self.running.values():
            if process.poll() is None:
                process.terminate()
        for process in self.running.values():
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()

    def assert_alive(self, kind: str) -> None:
        process = self.running[kind]
        if process.poll() is not None:
            log = (self.log_dir / f"{kind}.log").read_text()[-4000:]
            raise AssertionError(f"{kind} exited with {process.returncode}:\n{log}")


def ticket_created(number: int, *, title: str = "Printer on fire") -> TicketCreated:
    now = datetime.now(UTC)
    ticket = TicketSnapshot(
        id=uuid.uuid4(),
        number=f"TKT-{number:06d}",
        title=title,
        status="open",
        priority="medium",
        source="manual",
        department_id=uuid.UUID(int=1),
        created_at=now,
        updated_at=now,
    )
    return TicketCreated.build(
        source="probe-producer", subject=str(ticket.id), data=TicketChangeData(ticket=ticket)
    )


async def produce(
    engine: AsyncEngine, count: int, *, per_transaction: int = 50, start: int = 0
) -> list[uuid.UUID]:
    """Writes events the way a service does: through the outbox, in committed transactions."""
    ids: list[uuid.UUID] = []
    for offset in range(0, count, per_transaction):
        events = [ticket_created(start + offset + i) for i in range(min(per_transaction, count - offset))]
        async with engine.begin() as connection:
            await add_events(connection, events)
        ids.extend(event.id for event in events)
    return ids


def producer_engine(url: str) -> AsyncEngine:
    return create_engine(url, schema="probe_producer", pool_size=2)


async def applied_counts(admin_database_url: str) -> dict[uuid.UUID, int]:
    connection = await asyncpg.connect(libpq_url(admin_database_url))
    try:
        rows = await connection.fetch(
            "SELECT event_id, count(*) AS n FROM probe_consumer.applied GROUP BY event_id"
        )
    finally:
        await connection.close()
    return {row["event_id"]: row["n"] for row in rows}


async def scalar(admin_database_url: str, query: str) -> int:
    connection = await asyncpg.connect(libpq_url(admin_database_url))
    try:
        return int(await connection.fetchval(query))
    finally:
        await connection.close()


async def eventually(
    condition: Callable[[], Awaitable[bool]],
    *,
    within: float,
    what: str,
    check: Callable[[], None] | None = None,
) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if check:
            check()
        if await condition():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out after {within:.0f}s waiting for {what}")


async def all_applied_once(admin_database_url: str, ids: list[uuid.UUID]) -> bool:
    counts = await applied_counts(admin_database_url)
    return len(counts) >= len(ids)


def assert_exactly_once(counts: dict[uuid.UUID, int], ids: list[uuid.UUID]) -> None:
    missing = [event_id for event_id in ids if event_id not in counts]
    doubled = {event_id: n for event_id, n in counts.items() if n != 1}
    unexpected = set(counts) - set(ids)
    assert not missing, f"{len(missing)} events lost, e.g. {missing[:3]}"
    assert not doubled, f"{len(doubled)} events applied more than once, e.g. {list(doubled.items())[:3]}"
    assert not unexpected, f"{len(unexpected)} events applied that were never produced"
