"""The outbox relay: publishes committed outbox rows to JetStream and forgets them only after the ack.

Several relays may run against one schema: each claims rows with FOR UPDATE SKIP LOCKED. A relay
killed between publish and delete leaves its rows in place; they are published again with the
same Nats-Msg-Id, which JetStream drops as duplicates (and consumers' inboxes catch the rest).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from nats.js import JetStreamContext
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)

_CLAIM = text(
    "SELECT id, event_id, subject, payload, headers FROM outbox "
    "ORDER BY id LIMIT :limit FOR UPDATE SKIP LOCKED"
)
_FORGET = text("DELETE FROM outbox WHERE id = ANY(:ids)")


class OutboxRelay:
    def __init__(
        self,
        engine: AsyncEngine,
        js: JetStreamContext,
        *,
        batch_size: int = 500,
        idle_seconds: float = 0.05,
        publish_timeout_seconds: float = 5.0,
    ) -> None:
        self.engine = engine
        self.js = js
        self.batch_size = batch_size
        self.idle_seconds = idle_seconds
        self.publish_timeout_seconds = publish_timeout_seconds
        self.published_total = 0

    async def run(self, stop: asyncio.Event) -> None:
        failures = 0
        while not stop.is_set():
            try:
                relayed = await self.relay_batch()
                failures = 0
            except Exception:
                failures += 1
                delay = min(0.2 * 2**failures, 10.0)
                log.exception("outbox relay batch failed; retrying in %.1fs", delay)
                await _sleep_unless(stop, delay)
                continue
            if relayed < self.batch_size:
                await _sleep_unless(stop, self.idle_seconds)

    async def relay_batch(self) -> int:
        async with self.engine.begin() as connection:
            rows = list((await connection.execute(_CLAIM, {"limit": self.batch_size})).all())
            if not rows:
                return 0
            published_ids = await self._publish(rows)
            if published_ids:
                await connection.execute(_FORGET, {"ids": published_ids})
        self.published_total += len(published_ids)
        if len(published_ids) < len(rows):
            raise RuntimeError(f"{len(rows) - len(published_ids)} outbox events were not acknowledged")
        return len(rows)

    async def _publish(self, rows: list[Any]) -> list[int]:
        futures: list[asyncio.Future[Any]] = []
        for row in rows:
            headers = {**(row.headers or {}), "Nats-Msg-Id": str(row.event_id)}
            futures.append(await self.js.publish_async(row.subject, row.payload, headers=headers))
        done, pending = await asyncio.wait(futures, timeout=self.publish_timeout_seconds)
        for future in pending:
            future.cancel()
        return [
            row.id
            for row, future in zip(rows, futures, strict=True)
            if future in done and not future.cancelled() and future.exception() is None
        ]


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        pass
