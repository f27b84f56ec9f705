"""The `helpdesk` command: the whole stack from nothing, a second start on the same data, the catalogue."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import httpx

from helpdesk_common.contracts.registry import EVENT_CONTRACTS
from helpdesk_common.contracts.tickets import TICKET_EVENTS
from helpdesk_common.embedded import port_is_free


def start_stack(var_dir: Path, log: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("HELPDESK_NATS_URL", "HELPDESK_DATABASE_URL")}
    return subprocess.Popen(
        [sys.executable, "-m", "helpdesk_cli.main", "up", "--var", str(var_dir)],
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_for_line(
    log: Path, pattern: str, process: subprocess.Popen[str], within: float = 120
) -> re.Match[str]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        found = re.search(pattern, log.read_text())
        if found:
            return found
        assert process.poll() is None, f"helpdesk up exited early:\n{log.read_text()}"
        time.sleep(0.2)
    raise AssertionError(f"no line matching {pattern!r} within {within}s:\n{log.read_text()}")


def stop_stack(process: subprocess.Popen[str], log: Path) -> None:
    process.send_signal(signal.SIGINT)
    assert process.wait(60) == 0, log.read_text()
    assert "Stopped." in log.read_text()


def test_up_starts_everything_embedded_and_a_second_up_reuses_the_data(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    blocker = socket.socket()
    if port_is_free(8000):
        blocker.bind(("127.0.0.1", 8000))  # a busy port must be replaced, and the choice printed
        blocker.listen()
    try:
        log = tmp_path / "first.log"
        process = start_stack(var_dir, log)
        api = wait_for_line(log, r"The API answers at (http://127\.0\.0\.1:(\d+))", process)
        assert api.group(2) != "8000"
        wait_for_line(log, rf"The console answers at {re.escape(api.group(1))}/", process)
        assert re.search(r"gateway: port 8000 is busy, using \d+", log.read_text())
        assert httpx.get(f"{api.group(1)}/readyz", timeout=5).status_code == 200
        for name in ("ticketing", "mail-gateway", "sla-engine", "notifier", "itsm", "timetracking"):
            port = re.search(rf"{name}\s+http://127\.0\.0\.1:(\d+)", log.read_text())
            assert port, f"{name} not listed"
            assert httpx.get(f"http://127.0.0.1:{port.group(1)}/healthz", timeout=5).status_code == 200
        pg_port = int(re.search(r"PostgreSQL \(embedded\): 127\.0\.0\.1:(\d+)", log.read_text()).group(1))  # type: ignore[union-attr]
        admin_password = (var_dir / "postgres.admin-password").read_text().strip()
        admin = f"postgresql://postgres:{admin_password}@127.0.0.1:{pg_port}/helpdesk"
        _run(_remember(admin))
        stop_stack(process, log)
        assert not any(proc for proc in _processes_under(var_dir)), (
            "embedded servers or services left running after Ctrl-C"
        )

        log = tmp_path / "second.log"
        process = start_stack(var_dir, log)
        wait_for_line(log, r"The API answers at", process)
        pg_port = int(re.search(r"PostgreSQL \(embedded\): 127\.0\.0\.1:(\d+)", log.read_text()).group(1))  # type: ignore[union-attr]
        admin = f"postgresql://postgres:{admin_password}@127.0.0.1:{pg_port}/helpdesk"
        assert _run(_recall(admin)) == "still here"
        stop_stack(process, log)
    finally:
        blocker.close()


def _processes_under(var_dir: Path) -> list[str]:
    out = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if str(var_dir) in line]


async def _remember(url: str) -> None:
    connection = await asyncpg.connect(url)
    await connection.execute(
        "CREATE TABLE public.marker (note text); INSERT INTO public.marker VALUES ('still here')"
    )
    await connection.close()


async def _recall(url: str) -> str:
    connection = await asyncpg.connect(url)
    try:
        return str(await connection.fetchval("SELECT note FROM public.marker"))
    finally:
        await connection.close()


def _run(coroutine: object) -> object:
    import asyncio

    return asyncio.run(coroutine)  # type: ignore[arg-type]


def test_asyncapi_catalogue_lists_every_ticket_event_with_its_schema(tmp_path: Path) -> None:
    output = tmp_path / "asyncapi.json"
    subprocess.run(
        [sys.executable, "-m", "helpdesk_cli.main", "asyncapi", "--output", str(output)], check=True
    )
    document = json.loads(output.read_text())
    assert document["asyncapi"] == "3.0.0"
    for contract in TICKET_EVENTS:
        message = document["components"]["messages"][contract.event_type]
        assert message["x-dataschema"] == f"urn:helpdesk:event:{contract.event_type}:v1"
        schema = document["components"]["schemas"][message["payload"]["$ref"].rsplit("/", 1)[1]]
        assert {"id", "type", "source", "time", "subject", "specversion", "dataschema", "data"} <= set(
            schema["properties"]
        )
    assert set(document["channels"]) == set(EVENT_CONTRACTS), "every contract is in the catalogue"
    assert document["channels"]["ticket_created"]["address"] == "ticket.created.{department_id}"
    assert document["channels"]["mail_inbound_received"]["address"] == "mail.inbound.{department_id}"
    assert document["channels"]["comment_added"]["address"] == "ticket.comment_added.{department_id}"
    assert {s["name"] for s in document["x-streams"]} >= {"TICKET_EVENTS", "MAIL", "DEAD_LETTERS"}
