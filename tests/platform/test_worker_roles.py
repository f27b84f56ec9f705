"""A service's own worker roles (the mail gateway's poller, parser, sender) run alone in a process
when asked for by name, and the command names the roles a service has."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

from helpdesk_common.config import HelpdeskSettings
from helpdesk_common.embedded import free_port
from helpdesk_common.service import ROLES, ServiceDefinition, ServiceRuntime, WorkerRole, run_service


async def test_a_worker_role_runs_its_tasks_and_nothing_else_runs(tmp_path) -> None:  # type: ignore[no-untyped-def]
    ran: list[str] = []

    async def tick(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
        ran.append("tick")
        stop.set()

    async def job(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
        ran.append("job")

    definition = ServiceDefinition(
        name="probe-worker",
        schema="probe_worker",
        migrations_dir=tmp_path,
        title="Probe",
        jobs=[job],
        publishes_events=False,
        worker_roles=[WorkerRole("ticker", tasks=[tick])],
    )
    assert definition.role_names == (*ROLES, "ticker")
    settings = HelpdeskSettings(service_name="probe-worker", http_port=free_port())
    await asyncio.wait_for(run_service(definition, {"ticker"}, settings), timeout=20)
    assert ran == ["tick"]


def test_the_command_refuses_a_role_the_service_does_not_have() -> None:
    answer = subprocess.run(
        [sys.executable, "-m", "helpdesk_cli.main", "run", "ticketing", "--role", "poller"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "400"},
    )
    assert answer.returncode != 0
    assert "unknown role(s) poller" in answer.stderr
    assert "ticketing has api, relay, consumers, jobs" in answer.stderr
