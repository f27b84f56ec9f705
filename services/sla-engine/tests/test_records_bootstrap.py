"""The Ticket System switch the SLA engine's `jobs` role learns from ticketing's settings state
(projections.py, the shared records bootstrap; it keeps no departments), on real NATS and PostgreSQL
with a stand-in for ticketing's `ticket-states` role (helpdesk_common/testing/ticket_states.py): the
SLA endpoints answer instead of 403, a state older than an event already applied changes nothing, and
the marker row makes a second start ask nothing. The shared rule itself is
services/timetracking/tests/test_records_bootstrap.py's."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
from nats.js import JetStreamContext

from helpdesk_common.contracts.ticket_states import SETTINGS_STATE_SUBJECT
from helpdesk_common.db import create_engine, create_session_factory
from helpdesk_common.service import ServiceRuntime
from helpdesk_common.testing.infrastructure import TestServers
from helpdesk_common.testing.plugin import TestDatabase
from helpdesk_common.testing.ticket_states import settings_state, ticketing_answering
from sla_engine.config import SlaEngineSettings
from sla_engine.main import service
from sla_engine.projections import learn_switch_job

LONG_AGO = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
MANAGER = ("tickets_enabled", "tickets_manage_sla")


@asynccontextmanager
async def jobs_process(database: TestDatabase, servers: TestServers) -> AsyncIterator[ServiceRuntime]:
    """What a `jobs` process of its own has: its own connections to the same database."""
    url = database.url_for(service)
    settings = SlaEngineSettings(database_url=url, nats_url=servers.nats_url, sla_bootstrap_retry_seconds=0.1)
    engine = create_engine(url, schema=service.schema, pool_size=2)
    try:
        yield ServiceRuntime(settings, engine, create_session_factory(engine))
    finally:
        await engine.dispose()


async def _definitions(client: httpx.AsyncClient, headers: dict[str, str]) -> httpx.Response:
    # The process caches the switch for a second; a test need not wait for it.
    client._transport.app.state.ticket_system_switch = None  # type: ignore[attr-defined]
    return await client.get("/definitions", headers=headers)


async def test_the_jobs_role_learns_the_switch_once_so_the_sla_endpoints_answer(
    sla_client: httpx.AsyncClient,
    as_operator: Callable[..., dict[str, str]],
    sql: Callable[[str], Awaitable[list[Any]]],
    database: TestDatabase,
    servers: TestServers,
    jetstream: JetStreamContext,
) -> None:
    assert learn_switch_job in service.jobs
    headers = as_operator(*MANAGER)
    off = await _definitions(sla_client, headers)
    assert off.status_code == 403 and off.json()["reason"] == "module_disabled"

    async with (
        ticketing_answering(servers.nats_url, settings_state(True, LONG_AGO)) as asked,
        jobs_process(database, servers) as jobs,
    ):
        await asyncio.wait_for(learn_switch_job(jobs, asyncio.Event()), timeout=10)
        assert asked == [SETTINGS_STATE_SUBJECT], "the switch only: the SLA engine keeps no departments"
        assert (await _definitions(sla_client, headers)).status_code == 200
        (marker,) = await sql("SELECT id, departments FROM sla.records_bootstrap")
        assert tuple(marker) == (1, 0)

        # Another start finds the mark and asks nothing.
        await asyncio.wait_for(learn_switch_job(jobs, asyncio.Event()), timeout=5)
        assert len(asked) == 1


async def test_a_settings_state_older_than_the_switch_event_applied_changes_nothing(
    sla_client: httpx.AsyncClient,
    as_operator: Callable[..., dict[str, str]],
    switch_module: Callable[[bool], Awaitable[None]],
    sql: Callable[[str], Awaitable[list[Any]]],
    database: TestDatabase,
    servers: TestServers,
    jetstream: JetStreamContext,
) -> None:
    # Switched off just now (the event); the state, read before it, says on.
    await switch_module(False)
    async with (
        ticketing_answering(servers.nats_url, settings_state(True, LONG_AGO)),
        jobs_process(database, servers) as jobs,
    ):
        await asyncio.wait_for(learn_switch_job(jobs, asyncio.Event()), timeout=10)
    off = await _definitions(sla_client, as_operator(*MANAGER))
    assert off.status_code == 403 and off.json()["reason"] == "module_disabled"
    assert len(await sql("SELECT 1 FROM sla.records_bootstrap")) == 1
