"""Every service runs as its own process with `helpdesk run`: health, readiness, JSON logs, traces."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from helpdesk_cli.services import all_services
from helpdesk_common.auth import generate_key_pair
from helpdesk_common.embedded import free_port
from helpdesk_common.testing.infrastructure import TestServers
from helpdesk_common.testing.plugin import TestDatabase
from tests.backbone.harness import eventually
from tests.platform.otlp_receiver import OtlpReceiver


async def test_every_service_runs_alone_with_health_readiness_json_logs_and_http_traces(
    servers: TestServers, database: TestDatabase, otlp: OtlpReceiver, tmp_path: Path
) -> None:
    _, public_key = generate_key_pair()
    processes: dict[str, tuple[subprocess.Popen[bytes], int, Path]] = {}
    try:
        for name, definition in all_services().items():
            url = await database.add_service(definition)
            port = free_port()
            log = tmp_path / f"{name}.log"
            processes[name] = (
                subprocess.Popen(
                    [sys.executable, "-m", "helpdesk_cli.main", "run", name],
                    env={
                        **os.environ,
                        "HELPDESK_DATABASE_URL": url,
                        "HELPDESK_NATS_URL": servers.nats_url,
                        "HELPDESK_HTTP_PORT": str(port),
                        "HELPDESK_INTERNAL_TOKEN_PUBLIC_KEY": public_key,
                        "HELPDESK_OTLP_ENDPOINT": otlp.endpoint,
                        "OTEL_BSP_SCHEDULE_DELAY": "100",
                    },
                    stdout=log.open("wb"),
                    stderr=subprocess.STDOUT,
                ),
                port,
                log,
            )

        async with httpx.AsyncClient(timeout=2.0) as http:
            for name, (process, port, log) in processes.items():

                async def ready(port: int = port) -> bool:
                    try:
                        return (await http.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200
                    except httpx.HTTPError:
                        return False

                def alive(process: subprocess.Popen[bytes] = process, log: Path = log) -> None:
                    assert process.poll() is None, log.read_text()[-3000:]

                await eventually(ready, within=60, what=f"{name} ready", check=alive)
                assert (await http.get(f"http://127.0.0.1:{port}/healthz")).json() == {"status": "ok"}
                readiness = (await http.get(f"http://127.0.0.1:{port}/readyz")).json()
                assert readiness["checks"] == {"database": "ok", "bus": "ok"}
                assert readiness["service"] == name

                trace_id = secrets.token_hex(16)
                traceparent = f"00-{trace_id}-{secrets.token_hex(8)}-01"
                # A POST: the gateway answers a GET of any page with the console; no route takes a POST.
                answer = await http.post(
                    f"http://127.0.0.1:{port}/no/such/route/at/all", headers={"traceparent": traceparent}
                )
                assert answer.status_code == 404
                assert answer.headers["content-type"] == "application/problem+json"

                async def traced(trace_id: str = trace_id, name: str = name) -> bool:
                    return any(span.service == name for span in otlp.with_trace(trace_id))

                await eventually(traced, within=15, what=f"a span of {name} in trace {trace_id}")

        for name, (process, _, log) in processes.items():
            process.send_signal(signal.SIGTERM)
            assert process.wait(20) == 0, f"{name} did not stop cleanly:\n{log.read_text()[-3000:]}"
            first_line = json.loads(log.read_text().splitlines()[0])
            assert {"time", "level", "logger", "message", "service"} <= first_line.keys()
            assert first_line["service"] == name
    finally:
        for process, _, _ in processes.values():
            if process.poll() is None:
                process.kill()


async def test_readiness_fails_while_the_database_is_unreachable(
    servers: TestServers, tmp_path: Path
) -> None:
    port = free_port()
    log = tmp_path / "ticketing.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "helpdesk_cli.main", "run", "ticketing", "--role", "api"],
        env={
            **os.environ,
            "HELPDESK_DATABASE_URL": f"postgresql://nobody:wrong@127.0.0.1:{free_port()}/helpdesk",
            "HELPDESK_NATS_URL": servers.nats_url,
            "HELPDESK_HTTP_PORT": str(port),
        },
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        async with httpx.AsyncClient(timeout=5.0) as http:

            async def answering() -> bool:
                try:
                    return (await http.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200
                except httpx.HTTPError:
                    return False

            await eventually(answering, within=30, what="the api process answering")
            readiness = await http.get(f"http://127.0.0.1:{port}/readyz")
            assert readiness.status_code == 503
            assert readiness.json()["checks"]["database"].startswith("failed")
    finally:
        process.terminate()
        process.wait(20)
