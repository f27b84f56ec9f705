"""The gateway's HTTP client against real servers on loopback: a small HTTP/1.1 server written here
(so a test can make it close a kept-alive connection, or answer HEAD, exactly when it wants) and
uvicorn itself."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
import uvicorn
import uvloop

from gateway.proxy.upstream import (
    MAX_HEAD_BYTES,
    UpstreamClosed,
    UpstreamError,
    UpstreamPool,
    UpstreamTimedOut,
)
from helpdesk_common.embedded import free_port
from services.gateway.tests.scripted import MALFORMED, OUT_OF_STEP, raw_answer, scripted


@dataclass
class Service:
    """Answers every request with its own method and path; `drop_next` makes it close the
    connection of the next request without answering, as a service closing an idle connection
    does in the instant the request arrives."""

    port: int = 0
    connections: int = 0
    requests: list[str] = field(default_factory=list)
    drop_next: bool = False
    close_after_answer: bool = False
    answer_after_seconds: float = 0.0
    open_now: int = 0
    most_open: int = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.open_now += 1
        self.most_open = max(self.most_open, self.open_now)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                method, path = head.split(b" ", 2)[:2]
                length = _content_length(head)
                body = await reader.readexactly(length) if length else b""
                self.requests.append(f"{method.decode()} {path.decode()}")
                if self.drop_next:
                    self.drop_next = False
                    return
                await asyncio.sleep(self.answer_after_seconds)
                answer = f"{method.decode()} {path.decode()} {len(body)}".encode()
                extra = b"connection: close\r\n" if self.close_after_answer else b""
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n%b\r\n" % (len(answer), extra))
                if method != b"HEAD":
                    writer.write(answer)
                await writer.drain()
                if self.close_after_answer:
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            self.open_now -= 1
            writer.close()


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


@pytest.fixture
async def service() -> AsyncIterator[Service]:
    state = Service()
    server = await asyncio.start_server(state.handle, "127.0.0.1", 0)
    state.port = server.sockets[0].getsockname()[1]
    async with server:
        yield state


async def _started(server: uvicorn.Server) -> None:
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
        await asyncio.sleep(0.01)


def pool_for(port: int, **options: float) -> UpstreamPool:
    settings = {"connect_timeout_seconds": 2.0, "read_timeout_seconds": 2.0, **options}
    return UpstreamPool(f"http://127.0.0.1:{port}", **settings)  # type: ignore[arg-type]


async def test_one_connection_serves_request_after_request(service: Service) -> None:
    pool = pool_for(service.port)
    for number in range(5):
        answer = await pool.request("POST", b"/t/%d" % number, [], b"x" * number, read_whole_up_to=65536)
        assert (answer.status, answer.body) == (200, f"POST /t/{number} {number}".encode())
    assert service.connections == 1
    await pool.close()


async def test_a_closed_kept_alive_connection_is_retried_only_for_a_safe_method(service: Service) -> None:
    pool = pool_for(service.port)
    await pool.request("GET", b"/warm", [], None, read_whole_up_to=65536)
    service.drop_next = True
    answer = await pool.request("GET", b"/again", [], None, read_whole_up_to=65536)
    assert answer.body == b"GET /again 0", "a GET goes again on a new connection"
    assert service.requests[-2:] == ["GET /again", "GET /again"]

    service.drop_next = True
    with pytest.raises(UpstreamClosed):
        await pool.request("POST", b"/create", [], b"{}", read_whole_up_to=65536)
    assert service.requests.count("POST /create") == 1, "a POST is never sent twice"
    await pool.close()


async def test_an_answer_to_head_ends_with_its_head(service: Service) -> None:
    pool = pool_for(service.port)
    head = await pool.request("HEAD", b"/h", [], None, read_whole_up_to=65536)
    assert (head.status, head.body, head.content_length) == (200, b"", len(b"HEAD /h 0"))
    after = await pool.request("GET", b"/after", [], None, read_whole_up_to=65536)
    assert after.body == b"GET /after 0"
    await pool.close()


async def test_no_more_connections_than_allowed_however_many_callers(service: Service) -> None:
    service.answer_after_seconds = 0.1
    pool = pool_for(service.port, max_connections=2)
    answers = await asyncio.gather(
        *(pool.request("GET", b"/q/%d" % n, [], None, read_whole_up_to=65536) for n in range(8))
    )
    assert sorted(answer.body or b"" for answer in answers) == sorted(b"GET /q/%d 0" % n for n in range(8))
    assert service.connections == 2 and service.most_open == 2, "the other callers waited their turn"
    await pool.close()


async def test_connection_close_is_honoured(service: Service) -> None:
    service.close_after_answer = True
    pool = pool_for(service.port)
    for _ in range(3):
        assert (await pool.request("GET", b"/c", [], None, read_whole_up_to=65536)).status == 200
    assert service.connections == 3
    await pool.close()


async def test_a_streamed_body_of_declared_length_goes_with_that_length(service: Service) -> None:
    """(Chunked bodies and streamed answers: test_proxy's uploads, downloads and event streams.)"""
    pool = pool_for(service.port)

    async def body() -> AsyncIterator[bytes]:
        for _ in range(4):
            yield b"y" * 1000

    sized = await pool.request("PUT", b"/sized", [], body(), body_length=4000, read_whole_up_to=65536)
    assert sized.body == b"PUT /sized 4000"
    await pool.close()


async def test_a_service_that_does_not_answer_times_out_and_a_closed_port_is_an_error() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1)
        await asyncio.sleep(5)
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    async with server:
        pool = pool_for(server.sockets[0].getsockname()[1], read_timeout_seconds=0.3)
        with pytest.raises(UpstreamTimedOut):
            await pool.request("GET", b"/slow", [], None, read_whole_up_to=65536)
    with pytest.raises(UpstreamError, match="no connection"):
        await pool_for(free_port()).request("GET", b"/", [], None, read_whole_up_to=65536)


async def test_an_idle_connection_older_than_the_services_keep_alive_is_not_used() -> None:
    """uvicorn closes a connection idle for its keep-alive timeout; the pool must not send on it."""

    async def app(scope: dict, receive: object, send: object) -> None:  # type: ignore[type-arg]
        await send({"type": "http.response.start", "status": 200, "headers": []})  # type: ignore[operator]
        await send({"type": "http.response.body", "body": b"ok"})  # type: ignore[operator]

    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, timeout_keep_alive=1, lifespan="off")
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    try:
        await asyncio.wait_for(_started(server), 10)
        pool = pool_for(port, idle_seconds=0.8)
        assert (await pool.request("POST", b"/a", [], b"{}", read_whole_up_to=65536)).body == b"ok"
        await asyncio.sleep(1.2)
        assert (await pool.request("POST", b"/b", [], b"{}", read_whole_up_to=65536)).body == b"ok"
        await pool.close()
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await serving


def test_the_pool_on_uvloop_as_the_gateway_runs_it() -> None:
    """uvloop's transports are not asyncio's classes (the first version of the pool assumed so)."""

    async def scenario() -> None:
        service = Service()
        server = await asyncio.start_server(service.handle, "127.0.0.1", 0)
        async with server:
            pool = pool_for(server.sockets[0].getsockname()[1])
            for _ in range(3):
                answer = await pool.request("POST", b"/u", [], b"{}", read_whole_up_to=65536)
                assert answer.body == b"POST /u 2"
            head = await pool.request("HEAD", b"/h", [], None, read_whole_up_to=65536)
            assert head.body == b""
            after = await pool.request("GET", b"/g", [], None, read_whole_up_to=65536)
            assert after.body == b"GET /g 0"
            await pool.close()
        assert service.connections == 2, "kept alive, and a new one after HEAD"

    uvloop.run(scenario())


# ---- answers that are broken, out of step or too large ------------------------------------------------


async def read_all(pool: UpstreamPool, path: str, *, whole: bool) -> tuple[int, bytes]:
    """The status and whole body of a GET, read in one piece or streamed as the pool offers it."""
    answer = await pool.request("GET", path.encode(), [], None, read_whole_up_to=65536 if whole else 0)
    if answer.body is not None:
        return answer.status, answer.body
    assert answer.chunks is not None
    return answer.status, b"".join([chunk async for chunk in answer.chunks])


@pytest.mark.parametrize("whole", [True, False], ids=["read whole", "streamed"])
@pytest.mark.parametrize("answer", MALFORMED.values(), ids=MALFORMED.keys())
async def test_a_broken_answer_is_an_error_and_its_connection_carries_nothing_else(
    answer: tuple[bytes, ...], whole: bool
) -> None:
    async with scripted({"/broken": answer}) as service:
        pool = pool_for(service.port)
        with pytest.raises(UpstreamError):
            await read_all(pool, "/broken", whole=whole)
        assert await read_all(pool, "/next", whole=whole) == (200, b"GET /next 0")
        assert service.carried == [["/broken"], ["/next"]]
        await pool.close()


@pytest.mark.parametrize("whole", [True, False], ids=["read whole", "streamed"])
@pytest.mark.parametrize("answer", OUT_OF_STEP.values(), ids=OUT_OF_STEP.keys())
async def test_bytes_after_the_end_of_an_answer_never_reach_the_next_request(
    answer: tuple[bytes, ...], whole: bool
) -> None:
    async with scripted({"/first": answer}) as service:
        pool = pool_for(service.port)
        first = await read_all(pool, "/first", whole=whole)
        assert first in ((200, b"hello"), (304, b"")), "the answer ends where its framing says"
        # The extra bytes arrive while the connection is idle, or in the read that held the answer.
        await asyncio.wait_for(service.hung_up[0].wait(), 10)
        assert await read_all(pool, "/next", whole=whole) == (200, b"GET /next 0")
        assert service.carried == [["/first"], ["/next"]]
        await pool.close()


async def test_an_interim_answer_is_passed_over_for_the_final_one() -> None:
    interim = (
        b"HTTP/1.1 103 Early Hints\r\nlink: </a.css>\r\n\r\n" + raw_answer(b"content-length: 2\r\n", b"ok"),
    )
    async with scripted({"/hinted": interim}) as service:
        pool = pool_for(service.port)
        answer = await pool.request("GET", b"/hinted", [], None, read_whole_up_to=65536)
        assert (answer.status, answer.body, answer.headers) == (200, b"ok", [(b"content-length", b"2")])
        assert await read_all(pool, "/next", whole=True) == (200, b"GET /next 0")
        assert service.carried == [["/hinted", "/next"]], "a well-framed exchange keeps its connection"
        await pool.close()


async def test_a_connection_that_answered_a_server_error_is_not_used_again() -> None:
    """uvicorn closes the connection a moment after an exception escaped the app, whose 500 has already
    gone out without `Connection: close`."""
    failed = (b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 4\r\n\r\nfail",)
    async with scripted({"/fail": failed}) as service:
        pool = pool_for(service.port)
        assert await read_all(pool, "/fail", whole=True) == (500, b"fail")
        assert await read_all(pool, "/next", whole=True) == (200, b"GET /next 0")
        assert service.carried == [["/fail"], ["/next"]]
        await pool.close()


async def test_an_answers_head_just_under_the_limit_is_read() -> None:
    filler = b"a" * (MAX_HEAD_BYTES - 200)
    large = raw_answer(b"x-big: " + filler + b"\r\ncontent-length: 2\r\n", b"ok")
    async with scripted({"/large": (large,)}) as service:
        pool = pool_for(service.port)
        answer = await pool.request("GET", b"/large", [], None, read_whole_up_to=65536)
        assert (answer.status, answer.body) == (200, b"ok")
        assert (b"x-big", filler) in answer.headers
        await pool.close()


# ---- requests that must not be sent twice -------------------------------------------------------------


async def test_a_request_not_safe_to_repeat_goes_only_on_a_connection_known_open() -> None:
    """The service closed the idle connection and its end of stream waits unread in the socket (the event
    loop has not run since): the pool sees it before sending a POST down it."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.setblocking(False)
    loop = asyncio.get_running_loop()
    accepted: list[socket.socket] = []
    requests: list[bytes] = []

    async def serve() -> None:
        while True:
            connection, _ = await loop.sock_accept(listener)
            accepted.append(connection)
            head = await loop.sock_recv(connection, 65536)
            requests.append(head.split(b"\r\n", 1)[0])
            await loop.sock_sendall(connection, b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")

    serving_task = asyncio.create_task(serve())
    try:
        pool = pool_for(listener.getsockname()[1])
        assert (await pool.request("GET", b"/warm", [], None, read_whole_up_to=65536)).body == b"ok"
        accepted[0].close()  # a plain socket: its FIN is on the wire before the next line runs
        answer = await pool.request("POST", b"/create", [], b"{}", read_whole_up_to=65536)
        assert answer.body == b"ok"
        assert requests == [b"GET /warm HTTP/1.1", b"POST /create HTTP/1.1"]
        assert len(accepted) == 2
        await pool.close()
    finally:
        serving_task.cancel()
        for connection in accepted:
            connection.close()
        listener.close()


async def test_a_request_with_an_idempotency_key_is_sent_again_and_one_without_is_closed(
    service: Service,
) -> None:
    pool = pool_for(service.port)
    await pool.request("GET", b"/warm", [], None, read_whole_up_to=65536)
    service.drop_next = True
    keyed = [("idempotency-key", "7f1c2d")]
    answer = await pool.request("POST", b"/keyed", keyed, b"{}", read_whole_up_to=65536)
    assert answer.body == b"POST /keyed 2"
    assert service.requests[-2:] == ["POST /keyed", "POST /keyed"], "sent again on a new connection"

    await pool.request("GET", b"/warm", [], None, read_whole_up_to=65536)
    service.drop_next = True
    with pytest.raises(UpstreamClosed):
        await pool.request("PATCH", b"/unkeyed", [], b"{}", read_whole_up_to=65536)
    assert service.requests.count("PATCH /unkeyed") == 1, "never sent twice"
    await pool.close()
