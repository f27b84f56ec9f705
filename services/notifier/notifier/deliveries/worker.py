"""The webhook worker loop (role `webhook-worker`): claims due deliveries, sends each signed through
the address guard, and records the attempt with the delivery's next state (the answers that come in
together in one transaction, `Recorder`).

Not losing a delivery. A delivery is claimed (`sending`, committed, under a lease) before its request
leaves. A worker that dies mid-send leaves it `sending`; once the lease runs out any worker takes it
over and sends it again under the same webhook-id, so the receiver may see one delivery twice but
never two ids for one event, and never none."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import aiohttp
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from helpdesk_common.secrets import SecretBox
from helpdesk_common.service import ServiceRuntime
from notifier.config import NotifierSettings
from notifier.deliveries import consumers
from notifier.deliveries.service import Attempt, claim_due, record_attempts, recover_abandoned
from notifier.webhooks.addresses import AddressPolicy
from notifier.webhooks.outgoing import build, deliver
from notifier.webhooks.requests import Answered, open_session

log = logging.getLogger(__name__)
RECORD_TRIES = 8
# Opened signing secrets kept by a worker (one per webhook in use; forgotten all at once beyond).
_SECRETS_KEPT = 10_000


class DeliveryWorker:
    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        settings: NotifierSettings,
        holder: str | None = None,
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.box = SecretBox(settings.secret_key)
        self.policy = AddressPolicy.from_setting(settings.allowed_networks())
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.recorder = Recorder(self)
        self._secrets: dict[bytes, str] = {}
        self._next_recovery = 0.0

    async def run(self, stop: asyncio.Event) -> None:
        """Up to a batch's worth of deliveries in flight at once, topped up as answers are recorded
        rather than batch after batch (one slow receiver does not hold up the rest); what is in
        flight when `stop` is set is finished and recorded."""
        limit = self.settings.webhook_batch_size
        # A claim is a transaction: taken once at least this many deliveries have room.
        refill = max(limit // 2, 1)
        in_flight: set[asyncio.Task[None]] = set()
        room = asyncio.Event()

        def finished(task: asyncio.Task[None]) -> None:
            in_flight.discard(task)
            if limit - len(in_flight) >= refill:
                room.set()

        async with open_session(self.policy, connections=self.settings.webhook_connections) as http:
            while not stop.is_set():
                room.clear()  # before the claim: an answer recorded meanwhile sets it again
                free = limit - len(in_flight)
                claimed: list[Row[Any]] = []
                if free >= refill:
                    claimed = await self._claim(free)
                    for delivery in claimed:
                        task = asyncio.create_task(self._attempt(http, delivery))
                        in_flight.add(task)
                        task.add_done_callback(finished)
                if len(claimed) == free or free < refill:
                    await _wait_any(stop, room)  # more may be due: claimed as soon as there is room
                else:
                    await _woken(stop, self.settings.webhook_poll_seconds)
            if in_flight:
                await asyncio.gather(*in_flight, return_exceptions=True)

    async def _claim(self, limit: int) -> list[Row[Any]]:
        """Due deliveries, now this worker's; abandoned ones (a dead worker's) are made due first, at
        most once per poll interval."""
        try:
            now = time.monotonic()
            if now >= self._next_recovery:
                self._next_recovery = now + self.settings.webhook_poll_seconds
                async with self.sessions() as session, session.begin():
                    await recover_abandoned(session)
            async with self.sessions() as session, session.begin():
                return await claim_due(
                    session,
                    holder=self.holder,
                    lease_seconds=self.settings.webhook_lease_seconds,
                    limit=limit,
                )
        except Exception:
            log.exception("the webhook worker could not claim deliveries; trying again")
            return []

    async def _attempt(self, http: aiohttp.ClientSession, delivery: Row[Any]) -> None:
        sent_at = datetime.now(UTC)
        try:
            secret = self._secret(delivery.secret_sealed)
            outgoing = build(delivery, delivery.values, secret=secret, message_id=str(delivery.id))
            request = outgoing.logged()
            answered = await deliver(
                http, self.policy, outgoing, timeout_seconds=self.settings.webhook_timeout_seconds
            )
        except Exception as error:
            # Not sent: an unreadable secret, a template that no longer renders. Logged as an
            # attempt, so the administrator reads why.
            log.exception("delivery %s could not be sent", delivery.id)
            request = {"method": delivery.method, "url": delivery.url}
            answered = Answered(None, 0.0, "", error=f"Not sent: {error}", refused=True)
        await self.recorder.record(Attempt(delivery, request, answered, sent_at))

    def _secret(self, sealed: bytes) -> str:
        """Opened once per sealed secret (a rotation seals a new one), not once per delivery."""
        secret = self._secrets.get(sealed)
        if secret is None:
            if len(self._secrets) >= _SECRETS_KEPT:
                self._secrets.clear()
            secret = self._secrets[sealed] = self.box.open(sealed, what="webhook signing secret")
        return secret


class Recorder:
    """Answers recorded as they come in, together: an answer that arrives while a transaction of
    earlier ones is being committed waits for the next, which takes every answer that came
    meanwhile. One answer alone is recorded at once; under load a transaction records many
    (`make bench-webhooks` measures it). Each `record` returns once its answer is committed."""

    def __init__(self, worker: DeliveryWorker) -> None:
        self.worker = worker
        self._waiting: list[tuple[Attempt, asyncio.Future[None]]] = []
        self._writing: asyncio.Task[None] | None = None

    async def record(self, attempt: Attempt) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((attempt, done))
        if self._writing is None or self._writing.done():
            self._writing = asyncio.create_task(self._write_all())
        await asyncio.shield(done)

    async def _write_all(self) -> None:
        while self._waiting:
            run, self._waiting = self._waiting, []
            try:
                await self._write([attempt for attempt, _ in run])
            finally:
                for _, done in run:
                    if not done.done():
                        done.set_result(None)

    async def _write(self, attempts: list[Attempt]) -> None:
        """Tried again while the database is away: a takeover would otherwise send them once more."""
        worker = self.worker
        for attempt in range(RECORD_TRIES):
            try:
                async with worker.sessions() as session, session.begin():
                    recorded = await record_attempts(
                        session,
                        attempts=attempts,
                        holder=worker.holder,
                        settings=worker.settings,
                        now=datetime.now(UTC),
                    )
                for lost in {a.delivery.id for a in attempts} - recorded:
                    log.warning("delivery %s was taken over by another worker meanwhile", lost)
                return
            except Exception:
                if attempt == RECORD_TRIES - 1:
                    log.exception("could not record the answers to %d deliveries", len(attempts))
                    return
                await asyncio.sleep(0.25 * 2**attempt)


async def _woken(stop: asyncio.Event, seconds: float) -> None:
    """Until the poll interval ends or a delivery is queued in this process."""
    waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(consumers.queued.wait())]
    await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    for wait in waits:
        wait.cancel()
    consumers.queued.clear()


async def _wait_any(stop: asyncio.Event, room: asyncio.Event) -> None:
    waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(room.wait())]
    await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    for wait in waits:
        wait.cancel()


async def send_webhooks(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    """The webhook-worker role's task."""
    settings = runtime.settings
    assert isinstance(settings, NotifierSettings)
    consumers.use_settings(settings)
    await DeliveryWorker(sessions=runtime.session_factory, settings=settings).run(stop)
