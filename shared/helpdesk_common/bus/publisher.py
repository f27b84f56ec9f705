"""JetStream publishes with many acknowledgements awaited at once, for the outbox relay.

nats-py's `publish_async` does the same at a higher CPU cost per message (`make bench-backbone`):
it draws a random token from the operating system for every message, waits on a semaphore through
`wait_for`, and decodes every acknowledgement with the standard json module into a dataclass. The
relay needs less: a counter for the reply subject, and "stored or not" from the acknowledgement.
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription


class PublishRefused(Exception):
    """JetStream did not store the message (its answer says why), or nothing answered."""


class AckedPublisher:
    """One per relay; the reply subscription opens on first use and lives as long as the client (nats-py
    subscribes it again after a reconnect)."""

    def __init__(self, client: Client) -> None:
        self._client = client
        self._prefix = ""
        self._subscription: Subscription | None = None
        self._pending: dict[str, asyncio.Future[None]] = {}
        self._sent = 0

    @property
    def connected(self) -> bool:
        return bool(self._client.is_connected)

    async def publish(self, subject: str, payload: bytes, headers: dict[str, str]) -> asyncio.Future[None]:
        """Sends the message; the future completes when JetStream has stored it, or fails."""
        if self._subscription is None:
            self._prefix = self._client.new_inbox()
            self._subscription = await self._client.subscribe(f"{self._prefix}.*", cb=self._answered)
        self._sent += 1
        reply = f"{self._prefix}.{self._sent}"
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending[reply] = future
        # A future given up on (the relay's timeout cancels it) must not stay in the table.
        future.add_done_callback(lambda _: self._pending.pop(reply, None))
        await self._client.publish(subject, payload, reply=reply, headers=headers)
        return future

    async def _answered(self, msg: Msg) -> None:
        future = self._pending.pop(msg.subject, None)
        if future is None or future.done():
            return
        refusal = _refusal(msg)
        if refusal is None:
            future.set_result(None)
        else:
            future.set_exception(PublishRefused(refusal))


def _refusal(msg: Msg) -> str | None:
    """None for a stored message (a duplicate JetStream dropped was stored before), else why not."""
    if msg.headers and msg.headers.get("Status") == "503":
        return "no stream answers for this subject"
    try:
        answer: Any = orjson.loads(msg.data)
    except orjson.JSONDecodeError:
        return f"an answer that is not JSON: {msg.data[:200]!r}"
    if not isinstance(answer, dict):
        return f"an unexpected answer: {msg.data[:200]!r}"
    if "error" in answer:
        return str(answer["error"])
    if "seq" not in answer:
        return f"an answer without a sequence: {msg.data[:200]!r}"
    return None
