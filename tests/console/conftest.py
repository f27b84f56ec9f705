"""The console in Debian's Chromium (Playwright's own download cannot work here), against a real
stack: gateway serving the built console, ticketing, SLA engine, mail gateway, notifier (with its
webhook workers), time tracker (on a clock the tests move), ITSM (alerts into incidents), NATS and
PostgreSQL.
One stack for the session, since starting it is most of a module's time; each module starts from the
Ticket System settings below, and each test makes its own operators, departments and records."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import nats
import pytest
import pytest_asyncio
from playwright.async_api import expect

from helpdesk_common.bus.topology import ensure_streams
from helpdesk_common.embedded import EmbeddedNats, free_port
from helpdesk_common.testing.infrastructure import TestServers
from helpdesk_common.testing.plugin import drop_test_database, new_test_database
from tests.console.harness import CONSOLE_DIST, Console, console_build_problem
from tests.journeys.stack import start_stack

CHROMIUM = Path(os.environ.get("HELPDESK_CHROMIUM", "/usr/bin/chromium"))
# The tests' SMTP sink listens on loopback in plain text, and a greylisted reply is retried in
# seconds rather than a minute: long enough that a loaded machine reloads the page and reads the
# "retrying" state before the retry starts, which a one-second wait did not always allow.
MAIL_ON_LOOPBACK = {
    "HELPDESK_MAIL_ALLOW_PLAINTEXT": "true",
    "HELPDESK_SEND_RETRY_FIRST_SECONDS": "10",
    "HELPDESK_SEND_RETRY_LONGEST_SECONDS": "10",
    "HELPDESK_SEND_POLL_SECONDS": "0.5",
}
# The tests' webhook receivers listen on loopback, which the address guard refuses unless admitted;
# a failed request is tried again within seconds, and a webhook failing a few seconds is flagged.
WEBHOOKS_ON_LOOPBACK = {
    "HELPDESK_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8",
    "HELPDESK_WEBHOOK_TIMEOUT_SECONDS": "5",
    "HELPDESK_WEBHOOK_RETRY_FIRST_SECONDS": "1",
    "HELPDESK_WEBHOOK_RETRY_LONGEST_SECONDS": "2",
    "HELPDESK_WEBHOOK_POLL_SECONDS": "0.3",
    "HELPDESK_WEBHOOK_FAILING_AFTER_SECONDS": "3",
}
# The time tracker's sweep closes an idle timer within a second of its time, so a test that moved the
# clock sees the entry closed soon after.
TIMER_SWEEP = {"HELPDESK_TIMETRACKING_SWEEP_INTERVAL_SECONDS": "1"}
# Two cores run the stack, the browser and the test at once: answers may take seconds, not moments.
expect.set_options(timeout=15_000)


def _missing(message: str) -> None:
    """Under CI a missing browser or console fails the run; elsewhere it skips."""
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not CHROMIUM.exists():
        _missing(f"Chromium is not at {CHROMIUM}: apt-get install chromium")
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM)}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": {"width": 1440, "height": 900}, "locale": "en-GB"}


# The Ticket System settings every module starts from: a module that changes them restores nothing
# the next one relies on, because the next one sets them again.
CONSOLE_SETTINGS = {"ticket_system_enabled": True, "ticket_number_prefix": "TKT", "blocked_extensions": []}


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def console_stack(
    servers: TestServers, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Console]:
    problem = console_build_problem()
    if problem:
        _missing(problem)
    # A NATS of its own: the stack lives all session, beside other tests whose services bind the same
    # durable consumers and whose fixtures reset the streams of the session's NATS.
    work_dir = tmp_path_factory.mktemp("console")
    own_nats = EmbeddedNats(work_dir / "nats", free_port()).start(log_file=work_dir / "nats.log")
    try:
        async for console in _console_on(dataclasses.replace(servers, nats_url=own_nats.url), work_dir):
            yield console
    finally:
        own_nats.stop()


async def _console_on(servers: TestServers, work_dir: Path) -> AsyncIterator[Console]:
    database = new_test_database(servers)
    client = await nats.connect(servers.nats_url)
    await ensure_streams(client.jetstream())
    await client.close()
    # The seconds the time tracker's clock is ahead of the system's (helpdesk_common/clock.py), its alone.
    clock_file = work_dir / "timetracking-clock"
    stack = await start_stack(
        servers,
        database,
        work_dir,
        upstreams=("ticketing", "sla-engine", "mail-gateway", "notifier", "timetracking", "itsm"),
        gateway_env={"HELPDESK_CONSOLE_DIR": str(CONSOLE_DIST)},
        service_env={**MAIL_ON_LOOPBACK, **WEBHOOKS_ON_LOOPBACK, **TIMER_SWEEP},
        own_env={"timetracking": {"HELPDESK_TEST_CLOCK_FILE": str(clock_file)}},
    )
    try:
        admin = await stack.admin()
        yield Console(stack=stack, admin=admin, clock_file=clock_file)
        await admin.aclose()
    finally:
        stack.stop()
        await drop_test_database(database)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def console(console_stack: Console) -> Console:
    switched = await console_stack.admin.put("/api/tickets/settings", json=CONSOLE_SETTINGS)
    assert switched.status_code == 200, switched.text
    return console_stack
