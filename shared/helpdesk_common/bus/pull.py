"""Batches from a durable JetStream pull consumer: one pull request per batch, one timer per batch.

nats-py's `fetch` waits for every message through its own `wait_for` (a task and a timer each) and
sends a second request when the first found the stream empty, a cost per event that shows in
`make bench-backbone`. Here one request asks for up to `batch` messages and lets the
server hold it open for a while: the server sends what it has at once, then what arrives, and
ends the request with a status message (408) when the time is up with fewer than `batch`. The
subscription's callback only files each message; the waiting caller wakes once per batch.

A message that arrives after its fetch gave up (a slow server, a reconnect) is kept for the next
fetch: it was delivered and must be acknowledged like any other.
"""

from __future__ import annotations

import asyncio
import contextlib

import orjson
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

# How much longer than the request's own expiry the caller waits for the server's closing status.
_GRACE_SECONDS = 0.5
# The server answers a request that expires sooner than this with an error instead of messages.
_MIN_EXPIRES_SECONDS = 0.01

_HEARTBEAT = "100"
_NO_MESSAGES = "404"
_REQUEST_TIMEOUT = "408"


class PullRefused(Exception):
    """The server refused the pull request (409: the consumer was deleted, too many waiting requests,
    a leadership change): the caller backs off before asking again."""


class PullBatches:
    def __init__(self, client: Client, stream: str, durable: str) -> None:
        self._client = client
        self._request_subject = f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{durable}"
        self._inbox = client.new_inbox()
        self._subscription: Subscription | None = None
        self._messages: list[Msg] = []
        self._wanted = 0
        self._ended: str | None = None
        self._wake = asyncio.Event()

    async def open(self) -> None:
        self._subscription = await self._client.subscribe(self._inbox, cb=self._filed)

    async def close(self) -> None:
        if self._subscription is not None:
            with contextlib.suppress(Exception):
                await self._subscription.unsubscribe()
            self._subscription = None

    async def fetch(self, batch: int, wait_seconds: float) -> list[Msg]:
        """Up to `batch` messages: those the server has, and those that arrive within `wait_seconds`.
        An empty list when nothing came (or the connection is down: nats-py reconnects by itself)."""
        if self._subscription is None:
            await self.open()
        if not self._messages:
            await self._request(batch, wait_seconds)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait_seconds + _GRACE_SECONDS)
        refusal, self._ended = self._ended, None
        taken, self._messages = self._messages, []
        self._wanted = 0
        self._wake.clear()
        if refusal is not None and not taken:
            raise PullRefused(refusal)
        return taken

    async def _request(self, batch: int, wait_seconds: float) -> None:
        self._wanted = batch
        self._ended = None
        self._wake.clear()
        expires = int(max(wait_seconds, _MIN_EXPIRES_SECONDS) * 1_000_000_000)
        request = orjson.dumps({"batch": batch, "expires": expires})
        await self._client.publish(self._request_subject, request, reply=self._inbox)

    async def _filed(self, msg: Msg) -> None:
        # The server's own status messages come without a reply subject; every stored message has one.
        headers = msg.headers or {}
        status = headers.get("Status") if not msg.reply else None
        if status is None:
            self._messages.append(msg)
            if len(self._messages) >= self._wanted:
                self._wake.set()
        elif status in (_NO_MESSAGES, _REQUEST_TIMEOUT):
            self._wake.set()
        elif status != _HEARTBEAT:
            self._ended = f"{status} {headers.get('Description', '')}".strip()
            self._wake.set()
