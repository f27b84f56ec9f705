"""The outbox relay: publishes committed outbox rows to JetStream and forgets them only after the ack.

Several relays may run against one schema: each claims rows with FOR UPDATE SKIP LOCKED. A relay
killed between publish and delete leaves its rows in place; they are published again with the
same Nats-Msg-Id, which JetStream drops as duplicates (and consumers' inboxes catch the rest).

With a retention (`retain_seconds`, for a single NATS that writes to disk on an interval rather than
at every message) the relay keeps what it published in `outbox_retained`, one row per batch, until
the server has surely written it: longer than its sync interval. After the connection to NATS was
lost and found again (the server may have restarted without its last interval's messages), and
when the relay starts (the machine may have gone down with both), it publishes everything kept once
more; JetStream drops what it still has by Nats-Msg-Id. Nothing kept expires while NATS is away.

When the relay shares its process with the code that writes the outbox (the usual `helpdesk run`),
a commit that wrote events wakes it at once (helpdesk_common.outbox.committed), so it can poll an
empty outbox rarely; a relay on its own polls every `idle_seconds`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncEngine

from helpdesk_common.bus.connection import reconnections
from helpdesk_common.bus.publisher import AckedPublisher
from helpdesk_common.db import autocommit_connection
from helpdesk_common.outbox import committed
from helpdesk_common.periodic import sleep_unless_stopped

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
_RELAXED = "relaxed AS MATERIALIZED (SELECT set_config('synchronous_commit', 'off', true))"
_FORGET = f"WITH {_RELAXED} DELETE FROM outbox USING relaxed WHERE id = ANY($1::bigint[])"
# Forgetting with a retention moves the batch, in order, into one row of outbox_retained.
_RETAIN = (
    f"WITH {_RELAXED}, gone AS (DELETE FROM outbox USING relaxed WHERE id = ANY($1::bigint[]) "
    "RETURNING outbox.id, event_id, subject, payload, headers::text AS headers) "
    "INSERT INTO outbox_retained (event_ids, subjects, payloads, headers) "
    "SELECT array_agg(event_id ORDER BY id), array_agg(subject ORDER BY id), "
    "array_agg(payload ORDER BY id), array_agg(headers ORDER BY id) FROM gone HAVING count(*) > 0"
)
_RETAINED = (
    "SELECT id, event_ids, subjects, payloads, headers FROM outbox_retained "
    "WHERE id > $1 ORDER BY id LIMIT $2"
)
_RESTAMP = "UPDATE outbox_retained SET published_at = now() WHERE id = ANY($1::bigint[])"
_EXPIRE = "DELETE FROM outbox_retained WHERE published_at < now() - make_interval(secs => $1)"
_EXPIRY_EVERY_SECONDS = 1.0


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
        retain_seconds: float = 0.0,
    ) -> None:
        self.engine = engine
        self.publisher = publisher
        self.batch_size = batch_size
        self.idle_seconds = idle_seconds
        # Writers in this process wake the relay; the poll then only catches rows other processes
        # wrote, so it may slow down while the outbox stays empty.
        self.max_idle_seconds = max_idle_seconds if woken_by_writers else idle_seconds
        self.publish_timeout_seconds = publish_timeout_seconds
        self.retain_seconds = retain_seconds
        # The reconnection count the kept rows were last published for; None: not yet in this process.
        self._republished_for: int | None = None
        self._next_expiry = 0.0

    async def run(self, stop: asyncio.Event) -> None:
        failures = 0
        idle = self.idle_seconds
        while not stop.is_set():
            committed.clear()
            try:
                if self.retain_seconds:
                    await self.keep_retention()
                relayed = await self.relay_batch()
                failures = 0
            except Exception:
                failures += 1
                delay = min(0.2 * 2**failures, 10.0)
                log.exception("outbox relay batch failed; retrying in %.1fs", delay)
                await sleep_unless_stopped(stop, delay)
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
            published_ids = [rows[position]["id"] for position in await self._publish(rows)]
            if published_ids:
                await driver.execute(_RETAIN if self.retain_seconds else _FORGET, published_ids)
        if len(published_ids) < len(rows):
            raise RuntimeError(f"{len(rows) - len(published_ids)} outbox events were not acknowledged")
        return len(rows)

    async def keep_retention(self) -> None:
        """Publishes the kept rows again once per reconnection (and once at start), then lets those
        older than the retention go, but only while connected: a server that went away may have
        lost its last interval, and its kept rows must wait for the reconnection to go out again."""
        if not self.publisher.connected:
            return
        seen = reconnections()
        if seen != self._republished_for:
            await self.republish_retained()
            self._republished_for = seen
        if time.monotonic() >= self._next_expiry:
            async with autocommit_connection(self.engine) as driver:
                await driver.execute(_EXPIRE, self.retain_seconds)
            self._next_expiry = time.monotonic() + _EXPIRY_EVERY_SECONDS

    async def republish_retained(self, chunk: int = 50) -> None:
        last = 0
        while True:
            async with autocommit_connection(self.engine) as driver:
                kept = await driver.fetch(_RETAINED, last, chunk)
                if not kept:
                    return
                for row in kept:
                    rows = [
                        {"event_id": event_id, "subject": subject, "payload": payload, "headers": headers}
                        for event_id, subject, payload, headers in zip(
                            row["event_ids"], row["subjects"], row["payloads"], row["headers"], strict=True
                        )
                    ]
                    if len(await self._publish(rows)) < len(rows):
                        raise RuntimeError("kept outbox events were not acknowledged when published again")
                await driver.execute(_RESTAMP, [row["id"] for row in kept])
            last = kept[-1]["id"]

    async def _publish(self, rows: list[Any]) -> list[int]:
        """Publishes the rows in order; the positions of those JetStream acknowledged."""
        futures: list[asyncio.Future[None]] = []
        for row in rows:
            headers = {**_headers(row["headers"]), "Nats-Msg-Id": str(row["event_id"])}
            futures.append(await self.publisher.publish(row["subject"], row["payload"], headers))
        done, pending = await asyncio.wait(futures, timeout=self.publish_timeout_seconds)
        for future in pending:
            future.cancel()
        return [
            position
            for position, future in enumerate(futures)
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
