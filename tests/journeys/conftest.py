"""The journeys' stacks: the real gateway with ticketing behind it, with the SLA engine too, and with the
mail gateway."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from helpdesk_common.testing.infrastructure import TestServers
from helpdesk_common.testing.plugin import TestDatabase
from tests.journeys.stack import RunningStack, start_stack


async def _running(
    servers: TestServers, database: TestDatabase, log_dir: Path, upstreams: tuple[str, ...]
) -> AsyncIterator[RunningStack]:
    running = await start_stack(servers, database, log_dir, upstreams=upstreams)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
async def stack(
    servers: TestServers, database: TestDatabase, jetstream: object, tmp_path: Path
) -> AsyncIterator[RunningStack]:
    async for running in _running(servers, database, tmp_path, ("ticketing",)):
        yield running


@pytest.fixture
async def stack_with_sla(
    servers: TestServers, database: TestDatabase, jetstream: object, tmp_path: Path
) -> AsyncIterator[RunningStack]:
    async for running in _running(servers, database, tmp_path, ("ticketing", "sla-engine")):
        yield running


@pytest.fixture
async def stack_with_mail(
    servers: TestServers, database: TestDatabase, jetstream: object, tmp_path: Path
) -> AsyncIterator[RunningStack]:
    """Also the mail gateway, every role of it (its parsers turn stored mail into tickets), and ITSM
    (the demo's incidents)."""
    async for running in _running(
        servers, database, tmp_path, ("ticketing", "sla-engine", "mail-gateway", "itsm")
    ):
        yield running
