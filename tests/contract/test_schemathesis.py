"""The merged OpenAPI is the truth: schemathesis, through the gateway with ticketing, the SLA engine and
the time tracker behind it as real processes, finds no answer the document does not describe, and no
server error."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from helpdesk_common.testing.infrastructure import TestServers
from helpdesk_common.testing.plugin import TestDatabase
from tests.contract.fuzzer import configuration, fuzz
from tests.contract.records import seed
from tests.journeys.stack import RunningStack, start_stack

# The whole run, both invocations; generous, since the other pytest worker shares the two cores
# (the suite's time: docs/performance.md).
WITHIN_SECONDS = 480.0


@pytest.fixture
async def stack(
    servers: TestServers, database: TestDatabase, jetstream: object, tmp_path: Path
) -> AsyncIterator[RunningStack]:
    running = await start_stack(
        servers, database, tmp_path, upstreams=("ticketing", "sla-engine", "timetracking")
    )
    try:
        yield running
    finally:
        running.stop()


@pytest.mark.timeout(WITHIN_SECONDS + 120)
async def test_every_answer_of_every_operation_is_the_one_the_contract_describes(
    stack: RunningStack, tmp_path: Path
) -> None:
    async with await stack.admin() as admin:
        me = await admin.get("/api/auth/me")
        assert me.status_code == 200, me.text
        kept, doomed = await seed(admin, admin_id=me.json()["id"])
        authorization = admin.headers["authorization"]
    config = tmp_path / "schemathesis.toml"
    config.write_text(configuration(kept, doomed))
    started = time.monotonic()
    runs = await fuzz(stack.api, authorization, config, tmp_path / "reports", within=WITHIN_SECONDS)
    print(f"schemathesis: {time.monotonic() - started:.0f} s")
    for run in runs:
        print(run.output[-3000:])
        assert run.returncode == 0, run.output[-20000:]
