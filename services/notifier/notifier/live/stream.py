"""Writing one stream to its client: the first frames, then state changes and ticket events as they
come, a heartbeat comment when there is nothing to say, until the client leaves, falls too far behind,
or the stream's lifetime ends (the browser's EventSource then reconnects by itself)."""

from __future__ import annotations

import asyncio
import logging

from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from notifier.live.config import LiveSettings
from notifier.live.connection import LiveConnection
from notifier.live.frames import frame
from notifier.live.hub import LiveHub

log = logging.getLogger(__name__)

HEARTBEAT = b": keep-alive\n\n"
HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-cache, no-transform"),
    # Proxies that buffer answers (nginx) pass this one on as it comes.
    (b"x-accel-buffering", b"no"),
]


class EventStream(Response):
    """A response of its own rather than StreamingResponse: each write is bounded in time, and the
    client leaving is noticed while the stream waits for something to say."""

    def __init__(
        self, hub: LiveHub, connection: LiveConnection, first: list[bytes], settings: LiveSettings
    ) -> None:
        # What Response's own attributes would be, for anything that reads them (no body of its own).
        self.status_code = 200
        self.background = None
        self.raw_headers = list(HEADERS)
        self.hub = hub
        self.connection = connection
        self.first = first
        self.settings = settings
        self.gone = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        watching = asyncio.create_task(self._watch(receive), name="live-disconnect")
        try:
            await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
            # The browser waits this long (ms) before it reconnects.
            await self._write(send, b"retry: 2000\n\n" + b"".join(self.first))
            await self._run(send)
            if not self.gone:
                await self._write(send, b"", more=False)
        except TimeoutError:
            log.info(
                "a live stream's client took no data for %gs; closed",
                self.settings.live_write_timeout_seconds,
            )
        finally:
            watching.cancel()
            await self.hub.closed(self.connection)

    async def _run(self, send: Send) -> None:
        connection = self.connection
        loop = asyncio.get_running_loop()
        ends_at = loop.time() + self.settings.live_stream_seconds
        while not self.gone:
            if connection.too_far_behind:
                await self._write(send, frame("resync", {"reason": "too_far_behind"}))
                return
            chunk = b"".join(connection.pending_state())
            if not connection.events.empty():
                chunk += connection.events.get_nowait()
            if chunk:
                await self._write(send, chunk)
                continue
            left = ends_at - loop.time()
            if left <= 0:
                return
            connection.wake.clear()
            try:
                async with asyncio.timeout(min(left, self.settings.live_heartbeat_seconds)):
                    await connection.wake.wait()
            except TimeoutError:
                if loop.time() < ends_at:
                    await self._write(send, HEARTBEAT)

    async def _write(self, send: Send, body: bytes, *, more: bool = True) -> None:
        async with asyncio.timeout(self.settings.live_write_timeout_seconds):
            await send({"type": "http.response.body", "body": body, "more_body": more})

    async def _watch(self, receive: Receive) -> None:
        while True:
            message: Message = await receive()
            if message["type"] == "http.disconnect":
                self.gone = True
                self.connection.wake.set()
                return
