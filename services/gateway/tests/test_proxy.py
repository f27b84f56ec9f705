"""The proxy over real HTTP on loopback: a real downstream service behind a real gateway, no mocks."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Annotated, Any

import httpx
import pytest
from fastapi import Depends, Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.identity.principal import Principal
from gateway.proxy import GatewayProxy, install
from helpdesk_common.auth import (
    INTERNAL_TOKEN_HEADER,
    Operator,
    current_operator,
    generate_key_pair,
    mint_internal_token,
    require,
)
from helpdesk_common.config import HelpdeskSettings
from helpdesk_common.embedded import free_port
from helpdesk_common.errors import Unauthenticated
from helpdesk_common.http.app import create_app
from helpdesk_common.service import served
from helpdesk_common.testing.http import serving

PRIVATE_KEY, PUBLIC_KEY = generate_key_pair()
MAX_BODY = 64 * 1024 * 1024
TWENTY_MB = 20 * 1024 * 1024
CHUNK = 64 * 1024
# Shorter than the pause between two events below: event streams must not be cut by it.
READ_TIMEOUT = 1.0
SSE_PAUSE = 1.5
Authenticated = Annotated[Operator, Depends(current_operator)]


def pattern(size: int) -> bytes:
    return bytes(range(256)) * (size // 256)


@dataclass
class Downstream:
    """What the downstream service saw, and the switches a test flips to let it go on."""

    paths: list[str] = field(default_factory=list)
    upload_started: asyncio.Event = field(default_factory=asyncio.Event)
    download_received: asyncio.Event = field(default_factory=asyncio.Event)
    next_event: asyncio.Event = field(default_factory=asyncio.Event)


class Recorder:
    """Notes every request that reaches the service, before the service's own checks."""

    def __init__(self, app: ASGIApp, seen: list[str]) -> None:
        self.app = app
        self.seen = seen

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.seen.append(scope["path"])
        await self.app(scope, receive, send)


def downstream_app(state: Downstream) -> ASGIApp:
    settings = HelpdeskSettings(internal_token_public_key=PUBLIC_KEY, http_max_body_bytes=MAX_BODY)
    app = create_app(title="downstream", settings=settings, readiness_checks={})

    @app.post("/upload")
    async def upload(request: Request, operator: Authenticated) -> dict[str, Any]:
        digest, size = hashlib.sha256(), 0
        async for chunk in request.stream():
            if chunk:
                state.upload_started.set()
            digest.update(chunk)
            size += len(chunk)
        return {"bytes": size, "sha256": digest.hexdigest(), "headers": dict(request.headers)}

    @app.get("/download")
    async def download(operator: Authenticated) -> StreamingResponse:
        async def body() -> AsyncIterator[bytes]:
            data = pattern(TWENTY_MB)
            yield data[:CHUNK]
            # Not a byte more until the caller has the first chunk: a gateway that buffers hangs here.
            await asyncio.wait_for(state.download_received.wait(), 10)
            for start in range(CHUNK, len(data), CHUNK):
                yield data[start : start + CHUNK]

        return StreamingResponse(body(), media_type="application/octet-stream")

    @app.get("/events")
    async def events(operator: Authenticated) -> StreamingResponse:
        async def stream() -> AsyncIterator[bytes]:
            yield b"id: 1\ndata: first\n\n"
            await asyncio.wait_for(state.next_event.wait(), 10)
            await asyncio.sleep(SSE_PAUSE)
            yield b"id: 2\ndata: second\n\n"
            await asyncio.sleep(0.1)
            yield b"id: 3\ndata: third\n\n"

        return StreamingResponse(stream(), media_type="text/event-stream")

    @app.get("/slow")
    async def slow(operator: Authenticated) -> dict[str, str]:
        await asyncio.sleep(READ_TIMEOUT * 3)
        return {"too": "late"}

    @app.get("/needs-flag")
    async def needs_flag(operator: Annotated[Operator, Depends(require("tickets_delete"))]) -> None:
        return None

    @app.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    async def echo(request: Request, operator: Authenticated) -> JSONResponse:
        scope = request.scope
        body = await request.body()
        seen = {
            "method": request.method,
            "path": scope["raw_path"].decode(),
            "query": scope["query_string"].decode(),
            "headers": [[name.decode(), value.decode()] for name, value in scope["headers"]],
            "body": body.decode(),
            "operator": {
                "id": str(operator.id),
                "username": operator.username,
                "flags": sorted(operator.flags),
            },
        }
        response = JSONResponse(seen, headers={"x-echo": "yes"})
        response.set_cookie("downstream", "must-not-leak")
        return response

    return Recorder(app, state.paths)


# Stands in for the identity module (sign-in and API tokens, written separately): the caller names
# itself in test headers. Only what the proxy needs from it is real: a Principal, or Unauthenticated.
async def test_authenticate(request: Request) -> Principal:
    username = request.headers.get("x-test-operator")
    if not username:
        raise Unauthenticated("Sign in first.")
    flags = frozenset(filter(None, request.headers.get("x-test-flags", "").split(",")))
    operator = Operator(id=uuid.uuid5(uuid.NAMESPACE_DNS, username), username=username, flags=flags)
    return Principal(operator=operator, method="api_token")


test_authenticate.__test__ = False  # type: ignore[attr-defined]


@dataclass
class World:
    gateway: httpx.AsyncClient
    downstream_url: str
    state: Downstream


@pytest.fixture(scope="module")
async def world() -> AsyncIterator[World]:
    state = Downstream()
    async with contextlib.AsyncExitStack() as stack:
        downstream_url = await stack.enter_async_context(serving(downstream_app(state)))
        proxy = GatewayProxy(
            test_authenticate,
            upstreams={
                "ticketing": downstream_url,
                # Nothing listens there.
                "mail-gateway": f"http://127.0.0.1:{free_port()}",
            },
            private_key_pem=PRIVATE_KEY,
            token_ttl_seconds=60,
            read_timeout_seconds=READ_TIMEOUT,
        )
        stack.push_async_callback(proxy.close)
        gateway = create_app(
            title="gateway", settings=HelpdeskSettings(http_max_body_bytes=MAX_BODY), readiness_checks={}
        )
        install(gateway, proxy)
        gateway_url = await stack.enter_async_context(serving(served(gateway)))
        client = await stack.enter_async_context(
            httpx.AsyncClient(base_url=gateway_url, headers={"x-test-operator": "ada"}, timeout=30)
        )
        yield World(gateway=client, downstream_url=downstream_url, state=state)


def header(seen: dict[str, Any], name: str) -> list[str]:
    return [value for key, value in seen["headers"] if key == name]


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert body["status"] == status
    return body


async def test_path_query_method_and_body_are_forwarded(world: World) -> None:
    response = await world.gateway.patch(
        "/api/tickets/tickets/a%2Fb/comments?x=1&y=%20z&x=2", json={"body": "hello"}
    )
    assert response.status_code == 200, response.text
    seen = response.json()
    assert seen["method"] == "PATCH"
    assert seen["path"] == "/tickets/a%2Fb/comments"
    assert seen["query"] == "x=1&y=%20z&x=2"
    assert seen["body"] == '{"body":"hello"}'
    assert header(seen, "content-type") == ["application/json"]
    assert header(seen, "content-length") == [str(len(seen["body"]))]
    root = await world.gateway.get("/api/tickets")
    assert root.json()["path"] == "/"


async def test_the_internal_token_names_the_operator_and_is_verified_downstream(world: World) -> None:
    response = await world.gateway.get(
        "/api/tickets/me",
        headers={"x-test-operator": "grace", "x-test-flags": "tickets_enabled,tickets_edit"},
    )
    seen = response.json()
    assert len(header(seen, INTERNAL_TOKEN_HEADER.lower())) == 1
    assert seen["operator"] == {
        "id": str(uuid.uuid5(uuid.NAMESPACE_DNS, "grace")),
        "username": "grace",
        "flags": ["tickets_edit", "tickets_enabled"],
    }


async def test_a_spoofed_token_and_the_callers_credentials_never_reach_the_service(world: World) -> None:
    mallory = Operator(id=uuid.uuid4(), username="mallory", flags=frozenset({"admin"}))
    spoofed = mint_internal_token(mallory, private_key_pem=PRIVATE_KEY)
    response = await world.gateway.get(
        "/api/tickets/me",
        headers={
            INTERNAL_TOKEN_HEADER: spoofed,
            "authorization": "Bearer personal-api-token",
            "cookie": "helpdesk_session=secret",
            "proxy-authorization": "Basic c2VjcmV0",
            "connection": "keep-alive, x-hop",
            "x-hop": "only for the next hop",
            "x-custom": "kept",
        },
    )
    seen = response.json()
    assert seen["operator"]["username"] == "ada"
    assert header(seen, INTERNAL_TOKEN_HEADER.lower()) != [spoofed]
    names = {name for name, _ in seen["headers"]}
    assert not names & {"authorization", "cookie", "proxy-authorization", "x-hop"}
    assert header(seen, "x-custom") == ["kept"]
    assert header(seen, "x-forwarded-for")[-1].endswith("127.0.0.1")
    assert header(seen, "x-forwarded-proto") == ["http"]
    assert "set-cookie" not in response.headers
    assert response.headers["x-echo"] == "yes"
    assert header(seen, "x-request-id") == [response.headers["x-request-id"]]


async def test_the_service_refuses_a_request_that_bypasses_the_gateway(world: World) -> None:
    async with httpx.AsyncClient(base_url=world.downstream_url) as direct:
        body = assert_problem(await direct.get("/me"), 401)
    assert "gateway" in body["detail"]


async def test_an_unauthenticated_request_never_reaches_the_service(world: World) -> None:
    before = len(world.state.paths)
    for method in ("GET", "POST", "DELETE"):
        response = await world.gateway.request(
            method, "/api/tickets/me", headers={"x-test-operator": ""}, content=b"{}"
        )
        assert_problem(response, 401)
    assert_problem(await world.gateway.get("/api/nonsense/x", headers={"x-test-operator": ""}), 401)
    assert len(world.state.paths) == before


async def test_the_services_own_problems_pass_through(world: World) -> None:
    body = assert_problem(await world.gateway.get("/api/tickets/needs-flag"), 403)
    assert body["flag"] == "tickets_delete"


async def test_an_unknown_api_is_404_and_an_unconfigured_one_503(world: World) -> None:
    assert "nonsense" in assert_problem(await world.gateway.get("/api/nonsense/tickets"), 404)["detail"]
    assert_problem(await world.gateway.get("/api/sla/definitions"), 503)


async def test_a_service_that_does_not_answer_is_502_and_a_slow_one_504(world: World) -> None:
    refused = assert_problem(await world.gateway.get("/api/mail/mailboxes"), 502)
    assert refused["type"] == "urn:helpdesk:problem:upstream-unavailable"
    slow = assert_problem(await world.gateway.get("/api/tickets/slow"), 504)
    assert slow["type"] == "urn:helpdesk:problem:upstream-timeout"


async def test_a_20_mb_upload_streams_through(world: World) -> None:
    data = pattern(TWENTY_MB)

    async def body() -> AsyncIterator[bytes]:
        yield data[:CHUNK]
        # The rest waits until the service has bytes: a gateway that buffered the upload would hang.
        await asyncio.wait_for(world.state.upload_started.wait(), 10)
        for start in range(CHUNK, len(data), CHUNK):
            yield data[start : start + CHUNK]

    response = await world.gateway.post(
        "/api/tickets/upload",
        content=body(),
        headers={"content-length": str(len(data)), "content-type": "application/octet-stream"},
    )
    assert response.status_code == 200, response.text
    received = response.json()
    assert received["bytes"] == len(data)
    assert received["sha256"] == hashlib.sha256(data).hexdigest()
    assert received["headers"]["content-length"] == str(len(data))


async def test_a_chunked_upload_streams_through(world: World) -> None:
    async def body() -> AsyncIterator[bytes]:
        for _ in range(16):
            yield b"x" * CHUNK

    response = await world.gateway.post("/api/tickets/upload", content=body())
    assert response.json()["bytes"] == 16 * CHUNK


async def test_a_20_mb_download_streams_through(world: World) -> None:
    digest, size = hashlib.sha256(), 0
    async with world.gateway.stream("GET", "/api/tickets/download") as response:
        assert response.status_code == 200
        async for chunk in response.aiter_raw():
            world.state.download_received.set()
            digest.update(chunk)
            size += len(chunk)
    assert size == TWENTY_MB
    assert digest.hexdigest() == hashlib.sha256(pattern(TWENTY_MB)).hexdigest()


async def test_server_sent_events_arrive_one_by_one(world: World) -> None:
    async with world.gateway.stream("GET", "/api/tickets/events") as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = response.aiter_lines()
        first = [await anext(lines), await anext(lines)]
        # The service is still waiting for this switch before it sends the second event.
        assert not world.state.next_event.is_set()
        assert first == ["id: 1", "data: first"]
        world.state.next_event.set()
        rest = [line async for line in lines if line]
    assert rest == ["id: 2", "data: second", "id: 3", "data: third"]


async def test_the_trace_context_reaches_the_service(world: World) -> None:
    # A body over 64 KiB just before, on the same connection, used to leave its trace behind.
    await world.gateway.post("/api/tickets/upload", content=b"x" * (4 * CHUNK))
    trace_id = uuid.uuid4().hex
    traceparent = f"00-{trace_id}-{uuid.uuid4().hex[:16]}-01"
    seen = (await world.gateway.get("/api/tickets/traced", headers={"traceparent": traceparent})).json()
    forwarded = header(seen, "traceparent")
    assert len(forwarded) == 1
    # Without an OTLP endpoint the gateway records no span of its own and passes the caller's context on.
    assert forwarded[0].split("-")[1] == trace_id
