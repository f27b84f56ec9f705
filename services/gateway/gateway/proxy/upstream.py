"""HTTP/1.1 to the services: kept-alive connections on asyncio protocols, answers parsed by httptools
(the parser uvicorn reads requests with).

This replaced aiohttp's client, whose request and response objects, per-chunk timers, cookie and
redirect machinery were a large share of the gateway's CPU per forward (`make bench-gateway`); the gateway
needs none of it: it speaks to a few known services, streams both bodies, and passes the answer on as
it came. services/gateway/tests/test_upstream.py throws broken, oversized and out-of-step answers at it.

One exchange at a time per connection, and a connection carries another only when its exchange ended
exactly where the answer's framing said, the service keeps it open and did not fail (a 5xx: uvicorn
closes the connection a moment after an exception escaped the app, its 500 already sent). Any byte
beyond the end of an answer closes the connection: it belongs to no request, and must not be read as
the answer to the next one. An idle connection is used again only within `idle_seconds`, shorter than a
service's own keep-alive timeout (uvicorn's is 5 s).

A kept-alive connection can still close under a request (a service restarting, a timer firing).
A request that may be sent twice (GET, HEAD, OPTIONS, PUT, DELETE, or any carrying an Idempotency-Key)
learns that by trying, and is sent once more on a new connection. Any other goes only on a connection
seen to be open just before (nothing waiting unread in its socket, not even the end of the stream); if
that one closes before a byte of an answer anyway, UpstreamClosed says the request may be sent again.
"""

from __future__ import annotations

import asyncio
import select
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httptools

# Asked again on a new connection when a kept-alive one turns out closed (RFC 9110, 9.2.2).
_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# The client's promise that sending the request twice has the effect of sending it once (IETF draft).
IDEMPOTENCY_KEY = "idempotency-key"
# An answer's status line and headers: far more than any service sends, little enough to hold.
MAX_HEAD_BYTES = 32 * 1024
# Reading from the service pauses while this much of a streamed answer waits for the caller.
_HIGH_WATER = 256 * 1024
_FRAMING = frozenset({"content-length", "transfer-encoding"})


class UpstreamError(Exception):
    """The service could not be reached, or broke off."""


class UpstreamTimedOut(UpstreamError):
    """The service did not answer (or go on answering) within the read timeout."""


class UpstreamClosed(UpstreamError):
    """A kept-alive connection closed under a request that must not be sent twice, before any answer:
    the service may or may not have acted on it."""


class _OutOfStep(Exception):
    """Raised from a parser callback to stop it at bytes that belong to no answer."""


@dataclass
class UpstreamResponse:
    status: int
    # As the service sent them (names in its case), for the gateway's own filtering.
    headers: list[tuple[bytes, bytes]]
    content_length: int | None
    # The whole body, when `read_whole_up_to` allowed it; else `chunks` streams it.
    body: bytes | None
    chunks: AsyncIterator[bytes] | None


class _Connection(asyncio.Protocol):
    def __init__(self, loop: asyncio.AbstractEventLoop, on_closed: Callable[[], None]) -> None:
        self.loop = loop
        self._on_closed = on_closed
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.idle_since = 0.0
        self.fileno = -1
        self._writable = asyncio.Event()
        self._writable.set()
        self._begin()

    def _begin(self) -> None:
        """Fresh state for the next exchange."""
        self.parser = httptools.HttpResponseParser(self)
        self.head: asyncio.Future[None] = self.loop.create_future()
        self.headers: list[tuple[bytes, bytes]] = []
        self.status = 0
        self.keep_alive = False
        self.complete = False
        self.error: Exception | None = None
        self.buffer: list[bytes] = []
        self.buffered = 0
        self.paused = False
        self.progress = asyncio.Event()
        self.no_body = False
        # Whether any byte of an answer came: a request that got none may not have reached the service.
        self.answered = False
        self.head_bytes = 0
        self.unparsed_head_bytes = 0
        self.interim = False

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports have asyncio.Transport's methods without being its subclass.
        self.transport = transport  # type: ignore[assignment]
        self.fileno = transport.get_extra_info("socket").fileno()

    def data_received(self, data: bytes) -> None:
        if self.complete:
            self.close()  # beyond the end of the answer: the connection is out of step
            return
        self.answered = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as error:
            self.close()
            if not self.complete:
                cause = error.__context__
                self._fail(
                    cause
                    if isinstance(cause, UpstreamError)
                    else UpstreamError(f"an answer that is not HTTP: {error}")
                )
            return
        if not self.head.done():
            # httptools holds a header until it ends: bound what it holds, not only what it hands over.
            self.unparsed_head_bytes += len(data)
            if self.unparsed_head_bytes > MAX_HEAD_BYTES:
                self.close()
                self._fail(_head_too_large())

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._on_closed()
        self._writable.set()
        if self.complete:
            return
        if self.head.done() and exc is None and not self._declares_length():
            # An answer without a length or chunks ends where the connection does.
            self.on_message_complete()
            return
        self._fail(UpstreamError("the service closed the connection" + (f": {exc!r}" if exc else "")))

    def pause_writing(self) -> None:
        self._writable.clear()

    def resume_writing(self) -> None:
        self._writable.set()

    # httptools callbacks

    def on_message_begin(self) -> None:
        if self.complete:
            raise _OutOfStep

    def on_status(self, status: bytes) -> None:
        self._count(len(status))

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value))
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        status = self.parser.get_status_code()
        if status == 101:
            raise UpstreamError("the service switched protocols, which the gateway never asks for")
        if status < 200:
            # An interim answer (100 Continue, 103 Early Hints): the final one follows on its heels.
            self.interim = True
            self.headers = []
            return
        self.status = status
        self.keep_alive = self.parser.should_keep_alive()
        if not self.head.done():
            self.head.set_result(None)
        if self.no_body:
            # The answer to HEAD declares a length it does not send; nothing more belongs to it.
            self.on_message_complete()

    def on_body(self, body: bytes) -> None:
        if self.complete:
            raise _OutOfStep
        self.buffer.append(body)
        self.buffered += len(body)
        if self.buffered > _HIGH_WATER and not self.paused and self.transport is not None:
            self.paused = True
            self.transport.pause_reading()
        self.progress.set()

    def on_message_complete(self) -> None:
        if self.interim:
            self.interim = False
            return
        self.complete = True
        self.progress.set()

    def _count(self, size: int) -> None:
        self.head_bytes += size + 4  # the separators and line end
        if self.head_bytes > MAX_HEAD_BYTES:
            raise _head_too_large()

    # the exchange

    def still_open(self) -> bool:
        """Idle, and nothing waits unread in its socket: not even an end of stream the event loop has not
        handled yet. A non-blocking poll, one system call."""
        if self.closed:
            return False
        poller = select.poll()
        poller.register(self.fileno, select.POLLIN)
        return not poller.poll(0)

    def _fail(self, error: Exception) -> None:
        if self.error is None:
            self.error = error
        if not self.head.done():
            self.head.set_exception(error)
            self.head.exception()  # retrieved: nobody may be waiting for it any more
        self.progress.set()

    def _declares_length(self) -> bool:
        return any(name.lower() in (b"content-length", b"transfer-encoding") for name, _ in self.headers)

    async def write(self, data: bytes) -> None:
        if self.closed or self.transport is None:
            raise UpstreamError("the service closed the connection")
        self.transport.write(data)
        if not self._writable.is_set():
            await self._writable.wait()

    def take(self) -> bytes:
        chunk = b"".join(self.buffer) if len(self.buffer) != 1 else self.buffer[0]
        self.buffer.clear()
        self.buffered = 0
        if self.paused and self.transport is not None and not self.closed:
            self.paused = False
            self.transport.resume_reading()
        return chunk

    async def wait_progress(self, within: float | None) -> None:
        """Until more body, the end, or a failure; UpstreamTimedOut after `within` seconds without any."""
        self.progress.clear()
        if self.buffer or self.complete or self.error:
            return
        waiter = asyncio.ensure_future(self.progress.wait())
        done, _ = await asyncio.wait((waiter,), timeout=within)
        if not done:
            waiter.cancel()
            raise UpstreamTimedOut("the service stopped in the middle of its answer")

    def time_out(self) -> None:
        if not self.head.done():
            self._fail(UpstreamTimedOut("the service did not answer in time"))

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class UpstreamPool:
    """The connections to one service; one per service per gateway process."""

    def __init__(
        self,
        base_url: str,
        *,
        connect_timeout_seconds: float,
        read_timeout_seconds: float,
        idle_seconds: float = 4.0,
        max_connections: int = 512,
    ) -> None:
        """At most `max_connections` are open at once (idle ones included); a request beyond them
        waits for one to come back or close, so a flood of callers cannot take every descriptor."""
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.tls = parts.scheme == "https"
        self.base_path = parts.path.rstrip("/").encode("latin-1")
        self._host_header = parts.netloc.encode("latin-1")
        self.connect_timeout = connect_timeout_seconds
        self.read_timeout = read_timeout_seconds
        self.idle_seconds = idle_seconds
        self.max_connections = max_connections
        self._idle: list[_Connection] = []
        self._open = 0
        # Set whenever a connection comes back to the pool or closes: a waiting request looks again.
        self._room = asyncio.Event()

    async def request(
        self,
        method: str,
        target: bytes,
        headers: list[tuple[str, str]],
        body: bytes | AsyncIterator[bytes] | None,
        *,
        body_length: int | None = None,
        read_whole_up_to: int,
    ) -> UpstreamResponse:
        """`target` is the path and query below the base URL, as the caller encoded them. A bytes body
        is sent whole with its length; an iterator is streamed alongside the answer, with the length
        `body_length` declares (which it must then have) or else chunked."""
        head = self._head(method, target, headers, body, body_length)
        repeatable = not isinstance(body, AsyncIterator) and (
            method in _IDEMPOTENT or any(name == IDEMPOTENCY_KEY for name, _ in headers)
        )
        connection, reused = await self._connection(checked=not repeatable)
        try:
            return await self._exchange(connection, method, head, body, body_length, read_whole_up_to)
        except UpstreamTimedOut:
            raise
        except UpstreamError as error:
            if not reused or connection.answered:
                raise
            if not repeatable:
                raise UpstreamClosed(
                    f"the service closed a kept-alive connection before answering: {error}"
                ) from error
        connection, _ = await self._connection(fresh=True)
        return await self._exchange(connection, method, head, body, body_length, read_whole_up_to)

    async def close(self) -> None:
        while self._idle:
            self._idle.pop().close()

    def _head(
        self,
        method: str,
        target: bytes,
        headers: list[tuple[str, str]],
        body: bytes | AsyncIterator[bytes] | None,
        body_length: int | None,
    ) -> bytes:
        lines = [
            method.encode("latin-1"),
            b" ",
            self.base_path,
            target,
            b" HTTP/1.1\r\nhost: ",
            self._host_header,
        ]
        for name, value in headers:
            if name not in _FRAMING:
                lines += (b"\r\n", name.encode("latin-1"), b": ", value.encode("latin-1"))
        if isinstance(body, bytes):
            lines.append(b"\r\ncontent-length: %d" % len(body))
        elif body is not None and body_length is not None:
            lines.append(b"\r\ncontent-length: %d" % body_length)
        elif body is not None:
            lines.append(b"\r\ntransfer-encoding: chunked")
        lines.append(b"\r\n\r\n")
        return b"".join(lines)

    async def _connection(self, *, fresh: bool = False, checked: bool = False) -> tuple[_Connection, bool]:
        """An idle connection unless `fresh`; one seen open just now if `checked`. True when reused."""
        while True:
            now = time.monotonic()
            while self._idle and not fresh:
                connection = self._idle.pop()
                usable = not connection.closed and now - connection.idle_since < self.idle_seconds
                if usable and (not checked or connection.still_open()):
                    connection._begin()
                    return connection, True
                connection.close()
            if self._open < self.max_connections:
                break
            self._room.clear()
            await self._room.wait()
        self._open += 1
        try:
            return await self._connect(), False
        except BaseException:
            self._closed()  # never made: connection_lost will not come for it
            raise

    async def _connect(self) -> _Connection:
        loop = asyncio.get_running_loop()
        try:
            _, connection = await asyncio.wait_for(
                loop.create_connection(
                    lambda: _Connection(loop, self._closed),
                    self.host,
                    self.port,
                    ssl=True if self.tls else None,
                ),
                self.connect_timeout,
            )
        except TimeoutError as error:
            raise UpstreamError(
                f"no connection to {self.host}:{self.port} within {self.connect_timeout}s"
            ) from error
        except OSError as error:
            raise UpstreamError(f"no connection to {self.host}:{self.port}: {error}") from error
        return connection

    def _closed(self) -> None:
        self._open -= 1
        self._room.set()

    async def _exchange(
        self,
        connection: _Connection,
        method: str,
        head: bytes,
        body: bytes | AsyncIterator[bytes] | None,
        body_length: int | None,
        read_whole_up_to: int,
    ) -> UpstreamResponse:
        connection.no_body = method == "HEAD"
        sending: asyncio.Task[None] | None = None
        try:
            if isinstance(body, bytes) or body is None:
                await connection.write(head + body if body else head)
            else:
                # Alongside the wait for the answer: a service may answer (413, 401) before it read it all.
                await connection.write(head)
                sending = asyncio.create_task(_send(connection, body, chunked=body_length is None))
            await self._await_head(connection, sending)
            if connection.error is not None:
                # Broken in the very read that brought the head: the caller gets a 502, not a 200 cut short.
                raise connection.error
        except BaseException:
            if sending is not None:
                sending.cancel()
            connection.close()
            raise
        length = _content_length(connection.headers)
        if (length is not None and length <= read_whole_up_to) or connection.complete:
            body_bytes = await self._read_whole(connection, sending)
            return UpstreamResponse(connection.status, connection.headers, length, body_bytes, None)
        streaming = _is_event_stream(connection.headers)
        chunks = self._stream(connection, sending, None if streaming else self.read_timeout)
        return UpstreamResponse(connection.status, connection.headers, length, None, chunks)

    async def _await_head(self, connection: _Connection, sending: asyncio.Task[None] | None) -> None:
        # A timer on the connection rather than wait_for: no task per request.
        timer = connection.loop.call_later(self.read_timeout, connection.time_out)
        try:
            if sending is None:
                await connection.head
                return
            waiting: set[asyncio.Future[None]] = {connection.head, sending}
            while not connection.head.done():
                done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
                if sending in done and not connection.head.done():
                    waiting.discard(sending)
                    sending.result()  # a failure to send is the answer, unless the head came too
            connection.head.result()
        finally:
            timer.cancel()

    async def _read_whole(self, connection: _Connection, sending: asyncio.Task[None] | None) -> bytes:
        return b"".join([chunk async for chunk in self._stream(connection, sending, self.read_timeout)])

    async def _stream(
        self, connection: _Connection, sending: asyncio.Task[None] | None, within: float | None
    ) -> AsyncIterator[bytes]:
        try:
            while True:
                if connection.buffer:
                    yield connection.take()
                    continue
                if connection.complete:
                    break
                if connection.error:
                    raise connection.error
                await connection.wait_progress(within)
        except BaseException:
            connection.close()
            raise
        finally:
            if sending is not None and not sending.done():
                sending.cancel()
                connection.close()
        self._release(connection, sending)

    def _release(self, connection: _Connection, sending: asyncio.Task[None] | None) -> None:
        sent_all = sending is None or (
            sending.done() and not sending.cancelled() and sending.exception() is None
        )
        reusable = (
            connection.keep_alive
            and connection.status < 500
            and not connection.no_body
            and sent_all
            and not connection.closed
        )
        if reusable:
            connection.idle_since = time.monotonic()
            self._idle.append(connection)
            self._room.set()
        else:
            connection.close()


async def _send(connection: _Connection, body: AsyncIterator[bytes], *, chunked: bool) -> None:
    async for chunk in body:
        if chunk:
            await connection.write(b"%x\r\n%b\r\n" % (len(chunk), chunk) if chunked else chunk)
    if chunked:
        await connection.write(b"0\r\n\r\n")


def _head_too_large() -> UpstreamError:
    return UpstreamError(f"an answer whose status line and headers exceed {MAX_HEAD_BYTES} bytes")


def _content_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    for name, value in headers:
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _is_event_stream(headers: list[tuple[bytes, bytes]]) -> bool:
    return any(
        name.lower() == b"content-type" and value.lower().startswith(b"text/event-stream")
        for name, value in headers
    )
