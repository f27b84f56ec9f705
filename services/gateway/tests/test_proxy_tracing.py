"""With spans exported, proxied requests take the same path as without (gateway.proxy.front), traced by
OpenTelemetry's ASGI middleware: the real gateway process (`helpdesk run gateway`) exporting to a real
OTLP receiver on loopback."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from opentelemetry.proto.trace.v1.trace_pb2 import Span
from starlette.types import Receive, Scope, Send

from gateway.main import service as gateway
from helpdesk_common.embedded import free_port
from helpdesk_common.testing.http import serving
from services.gateway.tests.conftest import Gateway
from tests.backbone.harness import eventually
from tests.platform.otlp_receiver import OtlpReceiver


async def traceparent_echo(scope: Scope, receive: Receive, send: Send) -> None:
    """A service that answers with the traceparent the gateway sent it."""
    assert scope["type"] == "http"
    traceparent = dict(scope["headers"]).get(b"traceparent", b"")
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-length", b"%d" % len(traceparent))],
        }
    )
    await send({"type": "http.response.body", "body": traceparent})


def start_gateway(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """As deployed, with only the HTTP role: nothing here needs the bus."""
    command = [sys.executable, "-m", "helpdesk_cli.main", "run", "gateway", "--role", "api"]
    with log.open("wb") as output:
        return subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def otlp() -> Iterator[OtlpReceiver]:
    receiver = OtlpReceiver()
    receiver.start()
    yield receiver
    receiver.stop()


@pytest.fixture
async def traced_gateway(gateway_app: Gateway, otlp: OtlpReceiver, tmp_path: Path) -> AsyncIterator[str]:
    settings = gateway_app.runtime.settings
    port = free_port()
    async with serving(traceparent_echo) as service_url:
        env = {
            **os.environ,
            "HELPDESK_DATABASE_URL": gateway_app.database.url_for(gateway),
            "HELPDESK_HTTP_PORT": str(port),
            "HELPDESK_INTERNAL_TOKEN_PRIVATE_KEY": settings.internal_token_private_key,
            "HELPDESK_INTERNAL_TOKEN_PUBLIC_KEY": settings.internal_token_public_key,
            "HELPDESK_UPSTREAM_TICKETING": service_url,
            "HELPDESK_OTLP_ENDPOINT": otlp.endpoint,
            "OTEL_BSP_SCHEDULE_DELAY": "100",
        }
        log = tmp_path / "gateway.log"
        process = start_gateway(env, log)
        url = f"http://127.0.0.1:{port}"
        try:
            async with httpx.AsyncClient(base_url=url, timeout=2) as http:

                async def ready() -> bool:
                    try:
                        return (await http.get("/readyz")).status_code == 200
                    except httpx.HTTPError:
                        return False

                def alive() -> None:
                    assert process.poll() is None, log.read_text()[-3000:]

                await eventually(ready, within=60, what="the gateway ready", check=alive)
            yield url
        finally:
            stop(process)


async def test_a_proxied_request_gets_a_span_of_its_own_when_spans_are_exported(
    gateway_app: Gateway, traced_gateway: str, otlp: OtlpReceiver
) -> None:
    await gateway_app.operator("ada", "tickets_enabled")
    credentials = await gateway_app.bearer("ada")
    trace_id, caller_span = secrets.token_hex(16), secrets.token_hex(8)
    async with httpx.AsyncClient(base_url=traced_gateway, headers=credentials, timeout=10) as client:
        response = await client.get(
            "/api/tickets/tickets/42", headers={"traceparent": f"00-{trace_id}-{caller_span}-01"}
        )
    assert response.status_code == 200, response.text
    _, forwarded_trace, parent, _ = response.text.split("-")
    assert forwarded_trace == trace_id, "the caller's trace goes on"
    assert parent != caller_span, "with the gateway's span between the caller's and the service's"

    async def gateway_span() -> bool:
        return any(
            (span.service, span.name, span.kind)
            == ("gateway", "GET /api/tickets/{path}", Span.SPAN_KIND_SERVER)
            for span in otlp.with_trace(trace_id)
        )

    await eventually(gateway_span, within=15, what=f"the gateway's span in trace {trace_id}")
