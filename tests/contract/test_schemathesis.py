"""The merged OpenAPI is the truth: schemathesis, through the gateway with ticketing, the SLA engine, the
time tracker and ITSM behind it as real processes, finds no answer the document does not describe, and
no server error.

ITSM is fuzzed in the same run rather than a second one: its 38 operations took schemathesis from 87 s
for the other 103 to 127 s for all 141 at a load of 3 on 2 vCPUs (2026-12-04; 175 s against 204-328 s
earlier that day at a load of 10 to 13 from other test runs), far within WITHIN_SECONDS, while a second
stack would cost its own start-up (18-45 s). Beside the SLA engine its incidents also meet real SLA
definitions. `POST /api/itsm/alerts` is fuzzed like the rest: the gateway forwards it unauthenticated,
so a bad key must be a 401 and a bad alert a 422, never a 500; every valid alert the fuzzer makes
carries a seeded key, and the run must have had one accepted."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from helpdesk_common.testing.infrastructure import TestServers
from helpdesk_common.testing.plugin import TestDatabase
from tests.contract.fuzzer import configuration, fuzz
from tests.contract.records import INTAKE_PREFIX, Records, seed, seed_itsm
from tests.journeys.stack import RunningStack, start_stack

# The whole run, both invocations; generous, since the other pytest worker shares the two cores
# (the suite's time: docs/performance.md).
WITHIN_SECONDS = 480.0


@pytest.fixture
async def stack(
    servers: TestServers, database: TestDatabase, jetstream: object, tmp_path: Path
) -> AsyncIterator[RunningStack]:
    running = await start_stack(
        servers, database, tmp_path, upstreams=("ticketing", "sla-engine", "timetracking", "itsm")
    )
    try:
        yield running
    finally:
        running.stop()


@pytest.mark.timeout(WITHIN_SECONDS + 120)
async def test_every_answer_of_every_operation_is_the_one_the_contract_describes(
    stack: RunningStack, servers: TestServers, tmp_path: Path
) -> None:
    async with await stack.admin() as admin:
        me = await admin.get("/api/auth/me")
        assert me.status_code == 200, me.text
        kept, doomed = await seed(admin, admin_id=me.json()["id"])
        itsm_kept, itsm_doomed = await seed_itsm(admin, nats_url=servers.nats_url)
        kept, doomed = _joined(kept, itsm_kept), _joined(doomed, itsm_doomed)
        authorization = admin.headers["authorization"]
    config = tmp_path / "schemathesis.toml"
    config.write_text(configuration(kept, doomed))
    started = time.monotonic()
    runs = await fuzz(stack.api, authorization, config, tmp_path / "reports", within=WITHIN_SECONDS)
    print(f"schemathesis: {time.monotonic() - started:.0f} s")
    for run in runs:
        print(run.output[-3000:])
        assert run.returncode == 0, run.output[-20000:]
    # The alert intake's own path was taken too, not only its refusals.
    async with stack.client(Authorization=authorization) as admin:
        sources = await admin.get("/api/itsm/alert-sources")
    assert sources.status_code == 200, sources.text
    intakes = [each for each in sources.json() if each["name"].startswith(INTAKE_PREFIX)]
    assert any(each["last_alert_at"] for each in intakes), intakes


def _joined(first: Records, second: Records) -> Records:
    """Both seeds' records; a parameter both name (`tenant_id`) draws from either's."""
    return {name: first.get(name, []) + second.get(name, []) for name in {**first, **second}}
