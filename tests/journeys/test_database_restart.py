"""PostgreSQL restarting under load: clients get 201 or a retryable 503 problem, never a plain 500 or a
502, and afterwards every acknowledged ticket is stored and has its SLA timer."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from helpdesk_common.db import libpq_url
from helpdesk_common.embedded import EmbeddedPostgres, free_port
from helpdesk_common.testing.infrastructure import TestServers
from helpdesk_common.testing.plugin import TestDatabase
from tests.backbone.harness import eventually
from tests.journeys.stack import RunningStack, start_stack

CLIENTS = 8


@pytest.fixture
async def own_postgres(tmp_path: Path) -> AsyncIterator[EmbeddedPostgres]:
    """A server of this test's own, since the test restarts it."""
    postgres = EmbeddedPostgres(tmp_path / "postgres", free_port(), durable=False).start()
    yield postgres
    postgres.stop()


@pytest.fixture
async def restartable_stack(
    servers: TestServers, own_postgres: EmbeddedPostgres, jetstream: object, tmp_path: Path
) -> AsyncIterator[RunningStack]:
    own = TestServers(nats_url=servers.nats_url, admin_url=own_postgres.admin_url(), origin="embedded")
    database = TestDatabase(admin_url=own.admin_url, name="helpdesk")
    running = await start_stack(own, database, tmp_path, upstreams=("ticketing", "sla-engine"))
    try:
        yield running
    finally:
        running.stop()


async def _create_until(
    api: httpx.AsyncClient, stop: asyncio.Event, created: list[str], answers: Counter[str]
) -> None:
    while not stop.is_set():
        try:
            response = await api.post("/api/tickets", json={"title": "Printer on fire"})
        except httpx.HTTPError as error:
            answers[f"transport: {error.__class__.__name__}"] += 1
            await asyncio.sleep(0.1)
            continue
        if response.status_code == 201:
            created.append(response.json()["number"])
            answers["201"] += 1
            continue
        retryable = (
            response.status_code == 503
            and response.headers.get("content-type") == "application/problem+json"
            and response.headers.get("retry-after", "").isdigit()
        )
        answers["503 problem" if retryable else f"{response.status_code}: {response.text[:80]}"] += 1
        await asyncio.sleep(0.05)


async def test_a_database_restart_under_load_loses_nothing_and_answers_only_retryable_problems(
    restartable_stack: RunningStack, own_postgres: EmbeddedPostgres
) -> None:
    admin = await restartable_stack.admin()
    switched = await admin.put(
        "/api/tickets/settings",
        json={"ticket_system_enabled": True, "ticket_number_prefix": "TKT", "blocked_extensions": []},
    )
    assert switched.status_code == 200, switched.text
    created: list[str] = []
    answers: Counter[str] = Counter()
    stop = asyncio.Event()
    clients = [asyncio.create_task(_create_until(admin, stop, created, answers)) for _ in range(CLIENTS)]
    await eventually(lambda: _at_least(created, 50), within=30, what="tickets before the restart")

    restarted_at = time.monotonic()
    await asyncio.to_thread(own_postgres.stop)
    await asyncio.sleep(1)
    await asyncio.to_thread(own_postgres.start)
    before = len(created)
    await eventually(lambda: _at_least(created, before + 50), within=60, what="tickets after the restart")
    healed_seconds = time.monotonic() - restarted_at
    stop.set()
    await asyncio.gather(*clients)
    await admin.aclose()

    unexpected = {answer: n for answer, n in answers.items() if answer not in ("201", "503 problem")}
    assert not unexpected, f"answers other than 201 and a retryable 503: {unexpected} (all: {answers})"
    url = libpq_url(restartable_stack.database.url)
    stored = await _fetch_column(url, "SELECT number FROM ticketing.tickets")
    assert set(created) <= set(stored), f"acknowledged but not stored: {set(created) - set(stored)}"

    async def every_ticket_timed() -> bool:
        timed = await _fetch_column(
            url,
            "SELECT count(*) FROM ticketing.tickets t WHERE NOT EXISTS "
            "(SELECT 1 FROM sla.ticket_timers s WHERE s.ticket_id = t.id)",
        )
        return timed == [0]

    await eventually(every_ticket_timed, within=90, what="an SLA timer for every stored ticket")
    print(f"{answers}; healed in {healed_seconds:.1f}s")


async def _at_least(created: list[str], count: int) -> bool:
    return len(created) >= count


async def _fetch_column(url: str, query: str) -> list[object]:
    connection = await asyncpg.connect(url)
    try:
        return [row[0] for row in await connection.fetch(query)]
    finally:
        await connection.close()
