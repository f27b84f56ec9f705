"""The real gateway (uvicorn serving its front layer) before services that fail, break off or answer out
of step, and before callers that send oversized heads or try to smuggle one request inside another:
each is refused or answered with a problem, and no caller ever gets bytes meant for another."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httptools
import httpx
import pytest
from starlette.requests import Request

from gateway.identity.principal import Principal
from gateway.proxy import GatewayProxy, install
from helpdesk_common.auth import Operator, generate_key_pair
from helpdesk_common.config import HelpdeskSettings
from helpdesk_common.http.app import create_app
from helpdesk_common.http.server import MAX_REQUEST_HEADER_BYTES, MAX_REQUEST_HEADERS
from helpdesk_common.service import served
from helpdesk_common.testing.http import serving
from services.gateway.tests.scripted import (
    CHUNKED,
    CLOSE,
    MALFORMED,
    OUT_OF_STEP,
    PAUSE,
    Scripted,
    raw_answer,
    scripted,
)

PRIVATE_KEY, _ = generate_key_pair()
ADA = Operator(id=uuid.uuid5(uuid.NAMESPACE_DNS, "ada"), username="ada", flags=frozenset())


# Sign-in and tokens are the identity module's, tested on their own (test_signin): here every caller is
# Ada, and the scripted services never check the internal token. `x-test-fault` makes the gateway fail.
async def anyone(request: Request) -> Principal:
    if "x-test-fault" in request.headers:
        raise RuntimeError("a fault in the gateway itself")
    return Principal(operator=ADA, method="api_token")


@contextlib.asynccontextmanager
async def gateway_before(service: Scripted) -> AsyncIterator[str]:
    """The gateway's base URL, with the public name `tickets` pointing at `service`."""
    proxy = GatewayProxy(
        anyone,
        upstreams={"ticketing": service.url},
        private_key_pem=PRIVATE_KEY,
        token_ttl_seconds=60,
        read_timeout_seconds=5,
    )
    app = create_app(title="gateway", settings=HelpdeskSettings(), readiness_checks={})
    install(app, proxy)
    try:
        async with serving(served(app)) as url:
            yield url
    finally:
        await proxy.close()


def assert_problem(response: httpx.Response, status: int, problem_type: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert (body["status"], body["type"]) == (status, problem_type)
    return body


# ---- a failure never spills over ------------------------------------------------------------------

CALLERS = 8
ROUNDS = 20
# As uvicorn answers when an exception escapes a handler after Starlette sent its 500: no Connection:
# close, and the connection closed a moment later (once the traceback is logged), the next request
# never read.
ESCAPED_EXCEPTION = (
    raw_answer(
        b"content-type: text/plain; charset=utf-8\r\ncontent-length: 21\r\n",
        b"Internal Server Error",
        status=b"500 Internal Server Error",
    ),
    PAUSE,
    CLOSE,
)


async def test_a_request_never_fails_because_an_earlier_one_did() -> None:
    async with (
        scripted({"/fail": ESCAPED_EXCEPTION}) as service,
        gateway_before(service) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as client,
    ):

        async def caller(number: int) -> list[tuple[str, int, str]]:
            outcomes = []
            for round_number in range(ROUNDS):
                failed = await client.post("/api/tickets/fail", json={})
                path = f"/ok/{number}-{round_number}"
                succeeded = await client.post(f"/api/tickets{path}", json={})
                outcomes += [("/fail", failed.status_code, ""), (path, succeeded.status_code, succeeded.text)]
            return outcomes

        outcomes = [
            outcome for each in await asyncio.gather(*map(caller, range(CALLERS))) for outcome in each
        ]
    succeeded = [(path, status, text) for path, status, text in outcomes if path != "/fail"]
    assert Counter(status for _, status, _ in succeeded) == {200: CALLERS * ROUNDS}
    assert all(text == f"POST {path} 2" for path, _, text in succeeded), "each caller got its own answer"
    assert Counter(status for path, status, _ in outcomes if path == "/fail") == {500: CALLERS * ROUNDS}
    sent = Counter(path for carried in service.carried for path in carried if path != "/fail")
    assert set(sent.values()) == {1}, "and each was sent to the service once"


async def test_a_post_that_met_a_closing_connection_is_a_retryable_problem_or_with_a_key_sent_again() -> None:
    async with (
        scripted({"/create": (CLOSE,), "/keyed": (CLOSE,)}, once={"/create", "/keyed"}) as service,
        gateway_before(service) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as client,
    ):
        assert (await client.get("/api/tickets/warm")).status_code == 200
        refused = await client.post("/api/tickets/create", json={})
        body = assert_problem(refused, 503, "urn:helpdesk:problem:upstream-closed-before-answer")
        assert refused.headers["retry-after"] == "1"
        assert "may or may not have been applied" in body["detail"]
        assert service.carried[0] == ["/warm", "/create"], "sent once, on the kept-alive connection"

        assert (await client.get("/api/tickets/warm")).status_code == 200
        keyed = await client.post("/api/tickets/keyed", json={}, headers={"Idempotency-Key": "k-1"})
        assert (keyed.status_code, keyed.text) == (200, "POST /keyed 2")
        assert sum(carried.count("/keyed") for carried in service.carried) == 2, "sent again, once"


async def test_a_fault_in_the_gateway_itself_is_a_500_problem() -> None:
    async with (
        scripted({}) as service,
        gateway_before(service) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as client,
    ):
        failed = await client.get("/api/tickets/anything", headers={"x-test-fault": "yes"})
        assert_problem(failed, 500, "urn:helpdesk:problem:internal")
        assert (await client.get("/api/tickets/next")).text == "GET /next 0", "and the connection goes on"
    assert service.carried == [["/next"]]


async def test_a_body_over_the_limit_is_a_413_and_never_completes_at_the_service() -> None:
    limit = HelpdeskSettings().http_max_body_bytes

    async def chunked() -> AsyncIterator[bytes]:
        for _ in range(limit // 65536 + 2):
            yield b"x" * 65536

    async with (
        scripted({}) as service,
        gateway_before(service) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as client,
    ):
        declared = await client.post("/api/tickets/declared", content=b"x" * (limit + 1))
        assert_problem(declared, 413, "urn:helpdesk:problem:payload-too-large")
        streamed = await client.post("/api/tickets/streamed", content=chunked())
        assert_problem(streamed, 413, "urn:helpdesk:problem:payload-too-large")
        assert (await client.get("/api/tickets/next")).text == "GET /next 0"
    assert "/declared" not in service.bodies and "/streamed" not in service.bodies
    assert service.connection_of("/streamed") == ["/streamed"], "its connection carried nothing else"


# ---- broken and out-of-step answers -----------------------------------------------------------------

# Broken before the gateway began its answer: the caller gets a problem.
BROKEN_AT_THE_HEAD = {
    name: script for name, script in MALFORMED.items() if name != "a chunked answer cut off"
}
# Broken after the gateway began streaming: the caller's answer breaks off too, as HTTP says.
BROKEN_IN_THE_STREAM = {
    "a chunked answer cut off": MALFORMED["a chunked answer cut off"],
    "a long answer cut off": (raw_answer(b"content-length: 1000000\r\n", b"x" * 100_000), CLOSE),
}


@pytest.mark.parametrize("script", BROKEN_AT_THE_HEAD.values(), ids=BROKEN_AT_THE_HEAD.keys())
async def test_a_broken_answer_is_a_502_and_the_next_caller_gets_its_own(script: tuple[bytes, ...]) -> None:
    async with (
        scripted({"/broken": script}) as service,
        gateway_before(service) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as alice,
        httpx.AsyncClient(base_url=url, timeout=30) as bob,
    ):
        assert_problem(
            await alice.get("/api/tickets/broken"), 502, "urn:helpdesk:problem:upstream-unavailable"
        )
        assert (await bob.get("/api/tickets/next")).text == "GET /next 0"
        assert (await alice.get("/api/tickets/again")).text == "GET /again 0"
    assert service.connection_of("/broken") == ["/broken"]


@pytest.mark.parametrize("script", BROKEN_IN_THE_STREAM.values(), ids=BROKEN_IN_THE_STREAM.keys())
async def test_an_answer_that_breaks_off_breaks_off_for_its_caller_alone(script: tuple[bytes, ...]) -> None:
    async with (
        scripted({"/broken": script}) as service,
        gateway_before(service) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as alice,
        httpx.AsyncClient(base_url=url, timeout=30) as bob,
    ):
        with pytest.raises(httpx.RemoteProtocolError):
            await alice.get("/api/tickets/broken")
        assert (await bob.get("/api/tickets/next")).text == "GET /next 0"
    assert service.connection_of("/broken") == ["/broken"]


@pytest.mark.parametrize("script", OUT_OF_STEP.values(), ids=OUT_OF_STEP.keys())
async def test_bytes_after_an_answer_never_reach_another_caller(script: tuple[bytes, ...]) -> None:
    async with (
        scripted({"/first": script}) as service,
        gateway_before(service) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as alice,
        httpx.AsyncClient(base_url=url, timeout=30) as bob,
    ):
        first = await alice.get("/api/tickets/first")
        assert (first.status_code, first.content) in ((200, b"hello"), (304, b""))
        # The extra bytes came in the read that held the answer, or after it while the connection idled.
        await asyncio.wait_for(service.hung_up[0].wait(), 10)
        assert (await bob.get("/api/tickets/next")).text == "GET /next 0"
    assert service.connection_of("/first") == ["/first"]


# ---- callers that try to smuggle ---------------------------------------------------------------------


@dataclass
class Answers:
    """httptools callbacks collecting each answer on a raw connection to the gateway."""

    parser: httptools.HttpResponseParser | None = None
    complete: list[tuple[int, bytes]] = field(default_factory=list)
    body: list[bytes] = field(default_factory=list)

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        assert self.parser is not None
        self.complete.append((self.parser.get_status_code(), b"".join(self.body)))
        self.body.clear()


async def raw_exchange(
    url: str, data: bytes, *, answers: int, then_close: bool = False
) -> list[tuple[int, bytes]]:
    """Writes `data` as it is on one connection to the gateway; the answers that came before it closed or
    `answers` of them did. With `then_close`, the connection is closed right after writing."""
    port = int(url.rsplit(":", 1)[1])
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    collected = Answers()
    collected.parser = httptools.HttpResponseParser(collected)
    writer.write(data)
    await writer.drain()
    try:
        if then_close:
            return []
        while len(collected.complete) < answers:
            received = await asyncio.wait_for(reader.read(65536), 10)
            if not received:
                break
            collected.parser.feed_data(received)
        return collected.complete
    finally:
        writer.close()


def request(target: bytes, head: bytes = b"", body: bytes = b"", method: bytes = b"GET") -> bytes:
    return method + b" /api/tickets" + target + b" HTTP/1.1\r\nhost: gateway\r\n" + head + b"\r\n" + body


SMUGGLE = request(b"/smuggled")
REFUSED_BY_THE_SERVER = {
    "Content-Length and Transfer-Encoding both": request(
        b"/cl-te", b"content-length: 5\r\n" + CHUNKED, b"0\r\n\r\n" + SMUGGLE, b"POST"
    ),
    "two Content-Lengths": request(
        b"/two-lengths", b"content-length: 0\r\ncontent-length: %d\r\n" % len(SMUGGLE), SMUGGLE, b"POST"
    ),
    "a Content-Length list": request(b"/list", b"content-length: 0, 40\r\n", SMUGGLE, b"POST"),
    "a Transfer-Encoding that does not end with chunked": request(
        b"/gzip", b"transfer-encoding: chunked, gzip\r\n", b"0\r\n\r\n" + SMUGGLE, b"POST"
    ),
    "a folded Transfer-Encoding": request(
        b"/folded", b"transfer-encoding:\r\n chunked\r\n", b"0\r\n\r\n" + SMUGGLE, b"POST"
    ),
    "a space before a header's colon": request(
        b"/space", b"transfer-encoding : chunked\r\n", b"0\r\n\r\n" + SMUGGLE, b"POST"
    ),
    "a bare LF in the head": b"GET /api/tickets/lf HTTP/1.1\nhost: gateway\n\n" + SMUGGLE,
    "a chunk size that is not hexadecimal": request(b"/bad-chunk", CHUNKED, b"zz\r\n" + SMUGGLE, b"POST"),
}


@pytest.mark.parametrize("data", REFUSED_BY_THE_SERVER.values(), ids=REFUSED_BY_THE_SERVER.keys())
async def test_a_request_with_ambiguous_framing_is_refused_and_smuggles_nothing(data: bytes) -> None:
    async with scripted({}) as service, gateway_before(service) as url:
        answers = await raw_exchange(url, data, answers=2)
        assert [status for status, _ in answers] == [400]
        assert (await raw_exchange(url, request(b"/next"), answers=1)) == [(200, b"GET /next 0")]
    assert "/smuggled" not in service.bodies
    # Refused before forwarding, or (a chunked body broken on its way) forwarded and never completed.
    assert set(service.bodies) == {"/next"}


async def test_a_request_hidden_in_a_body_stays_a_body() -> None:
    chunked = b"%x\r\n%b\r\n0\r\n\r\n" % (len(b"0\r\n\r\n" + SMUGGLE), b"0\r\n\r\n" + SMUGGLE)
    sized = request(b"/sized", b"content-length: %d\r\n" % len(SMUGGLE), SMUGGLE, b"POST")
    async with scripted({}) as service, gateway_before(service) as url:
        answers = await raw_exchange(url, request(b"/chunked", CHUNKED, chunked, b"POST") + sized, answers=2)
    assert answers == [
        (200, b"POST /chunked %d" % len(b"0\r\n\r\n" + SMUGGLE)),
        (200, b"POST /sized %d" % len(SMUGGLE)),
    ]
    assert service.bodies == {"/chunked": b"0\r\n\r\n" + SMUGGLE, "/sized": SMUGGLE}


async def test_pipelined_requests_get_their_own_answers_in_order() -> None:
    pipelined = b"".join(request(b"/%d" % number) for number in range(5))
    async with scripted({}) as service, gateway_before(service) as url:
        answers = await raw_exchange(url, pipelined, answers=5)
    assert answers == [(200, b"GET /%d 0" % number) for number in range(5)]


async def test_an_upload_the_caller_abandons_is_never_completed_by_the_next_callers_bytes() -> None:
    truncated = request(b"/upload", b"content-length: 200000\r\n", b"x" * 100_000, b"POST")
    async with scripted({}) as service, gateway_before(service) as url:
        await raw_exchange(url, truncated, answers=0, then_close=True)
        await asyncio.wait_for(_first_hung_up(service), 10)
        assert (await raw_exchange(url, request(b"/next"), answers=1)) == [(200, b"GET /next 0")]
    assert "/upload" not in service.bodies
    assert service.connection_of("/upload") == ["/upload"]


async def _first_hung_up(service: Scripted) -> None:
    while not service.hung_up:  # noqa: ASYNC110 - the connection is opened by the gateway, when it likes
        await asyncio.sleep(0.01)
    await service.hung_up[0].wait()


# ---- header sizes ------------------------------------------------------------------------------------

OVERSIZED_HEADERS = {
    "one header of a megabyte": b"x-big: %b\r\n" % (b"a" * 1024 * 1024),
    "ten thousand headers": b"".join(b"x-h%d: v\r\n" % number for number in range(10_000)),
    "one field too many": b"".join(b"x-h%d: v\r\n" % number for number in range(MAX_REQUEST_HEADERS)),
    "a few bytes too many": b"x-big: %b\r\n"
    % (b"a" * (MAX_REQUEST_HEADER_BYTES - len(b"host: gateway\r\n"))),
}


@pytest.mark.parametrize("headers", OVERSIZED_HEADERS.values(), ids=OVERSIZED_HEADERS.keys())
async def test_headers_over_the_limit_are_refused_with_431(headers: bytes) -> None:
    """uvicorn's httptools server takes any number and size of headers; every service's server
    (helpdesk_common.http.server) refuses them, here the gateway's for its routes and the proxied ones."""
    async with scripted({}) as service, gateway_before(service) as url:
        for path in (b"/api/tickets/anything", b"/api/auth/login", b"/healthz"):
            # Written raw: httpx merges headers one by one, in time that grows with their square.
            head = b"POST %b HTTP/1.1\r\nhost: gateway\r\n%bcontent-length: 2\r\n\r\n{}" % (path, headers)
            [(status, body)] = await raw_exchange(url, head, answers=1)
            problem = json.loads(body)
            assert (status, problem["type"]) == (431, "urn:helpdesk:problem:headers-too-large")
            assert str(MAX_REQUEST_HEADER_BYTES) in problem["detail"]
    assert service.carried == []


async def test_headers_within_the_limit_pass() -> None:
    # httpx adds host, accept, accept-encoding, connection, user-agent, content-length and content-type.
    many = {f"x-h{number}": "v" for number in range(MAX_REQUEST_HEADERS - 7)}
    large = {"x-big": "a" * (MAX_REQUEST_HEADER_BYTES - 1024)}
    async with (
        scripted({}) as service,
        gateway_before(service) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as client,
    ):
        for headers in (many, large):
            assert (await client.post("/api/tickets/fine", headers=headers, json={})).text == "POST /fine 2"
