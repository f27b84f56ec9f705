"""The outbox relay: publishes committed outbox rows to JetStream and forgets them only after the ack.

Several relays may run against one schema: each claims rows with FOR UPDATE SKIP LOCKED. A relay
killed between publish and delete leaves its rows in place; they are published again with the
same Nats-Msg-Id, which JetStream drops as duplicates (and consumers' inboxes catch the rest).

When the relay shares its process with the code that writes the outbox (the usual `helpdesk run`),
a commit that wrote events wakes it at once (helpdesk_common.outbox.committed), so it can poll an
empty outbox rarely; a relay on its own polls every `idle_seconds`.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncEngine

from helpdesk_common.bus.publisher import AckedPublisher
from helpdesk_common.db import autocommit_connection
from helpdesk_common.outbox import committed

log = logging.getLogger(__name__)

# Headers as text: orjson reads them at a fraction of the cost of the jsonb codec SQLAlchemy's
# dialect installs on its connections (the standard json module).
_CLAIM = (
    "SELECT id, event_id, subject, payload, headers::text AS headers FROM outbox "
    "ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED"
)
# Forgetting need not wait for its WAL to reach the disk (synchronous_commit off, for this
# transaction only): should a crash lose the delete, the rows come back and are published again with
# the same Nats-Msg-Id, which JetStream drops (and consumers' inboxes catch the rest). The writers'
# commits then share fewer flushes with the relay's.
_FORGET = (
    "WITH relaxed AS MATERIALIZED (SELECT set_config('synchronous_commit', 'off', true)) "
    "DELETE FROM outbox USING relaxed WHERE id = ANY($1::bigint[])"
)


class OutboxRelay:
    def __init__(
        self,
        engine: AsyncEngine,
        publisher: AckedPublisher,
        *,
        batch_size: int = 500,
        idle_seconds: float = 0.05,
        woken_by_writers: bool = False,
        max_idle_seconds: float = 1.0,
        publish_timeout_seconds: float = 5.0,
    ) -> None:
        self.engine = engine
        self.publisher = publisher
        self.batch_size = batch_size
        self.idle_seconds = idle_seconds
        # Writers in this process wake the relay; the poll then only catches rows other processes
        # wrote, so it may slow down while the outbox stays empty.
        self.max_idle_seconds = max_idle_seconds if woken_by_writers else idle_seconds
        self.publish_timeout_seconds = publish_timeout_seconds
        self.published_total = 0

    async def run(self, stop: asyncio.Event) -> None:
        failures = 0
        idle = self.idle_seconds
        while not stop.is_set():
            committed.clear()
            try:
                relayed = await self.relay_batch()
                failures = 0
            except Exception:
                failures += 1
                delay = min(0.2 * 2**failures, 10.0)
                log.exception("outbox relay batch failed; retrying in %.1fs", delay)
                await _sleep_unless(stop, delay)
                continue
            if relayed >= self.batch_size:
                continue
            idle = self.idle_seconds if relayed else min(idle * 2, self.max_idle_seconds)
            await _wait_for_work(stop, idle)

    async def relay_batch(self) -> int:
        # Straight on the driver, in its own transaction: the claim's row locks hold until the commit.
        async with autocommit_connection(self.engine) as driver, driver.transaction():
            rows = await driver.fetch(_CLAIM, self.batch_size)
            if not rows:
                return 0
            published_ids = await self._publish(rows)
            if published_ids:
                await driver.execute(_FORGET, published_ids)
        self.published_total += len(published_ids)
        if len(published_ids) < len(rows):
            raise RuntimeError(f"{len(rows) - len(published_ids)} outbox events were not acknowledged")
        return len(rows)

    async def _publish(self, rows: list[Any]) -> list[int]:
        futures: list[asyncio.Future[None]] = []
        for row in rows:
            headers = {**_headers(row["headers"]), "Nats-Msg-Id": str(row["event_id"])}
            futures.append(await self.publisher.publish(row["subject"], row["payload"], headers))
        done, pending = await asyncio.wait(futures, timeout=self.publish_timeout_seconds)
        for future in pending:
            future.cancel()
        return [
            row["id"]
            for row, future in zip(rows, futures, strict=True)
            if future in done and not future.cancelled() and future.exception() is None
        ]


def _headers(stored: str | None) -> dict[str, str]:
    return dict(orjson.loads(stored)) if stored else {}


async def _wait_for_work(stop: asyncio.Event, seconds: float) -> None:
    waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(committed.wait())]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        pass
