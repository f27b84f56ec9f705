"""The webhook worker loop (role `webhook-worker`): claims due deliveries, sends each signed through
the address guard, and records the attempt with the delivery's next state.

Not losing a delivery. A delivery is claimed (`sending`, committed, under a lease) before its request
leaves. A worker that dies mid-send leaves it `sending`; once the lease runs out any worker takes it
over and sends it again under the same webhook-id, so the receiver may see one delivery twice but
never two ids for one event, and never none."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
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

    async def run(self, stop: asyncio.Event) -> None:
        async with open_session(self.policy, connections=self.settings.webhook_connections) as http:
            while not stop.is_set():
                try:
                    async with self.sessions() as session, session.begin():
                        await recover_abandoned(session)
                    busy = await self.send_due(http)
                except Exception:
                    log.exception("the webhook worker's round failed; trying again")
                    busy = 0
                if not busy:
                    await _woken(stop, self.settings.webhook_poll_seconds)

    async def send_due(self, http: aiohttp.ClientSession) -> int:
        """One batch of due deliveries, sent side by side; how many were claimed."""
        async with self.sessions() as session, session.begin():
            claimed = await claim_due(
                session,
                holder=self.holder,
                lease_seconds=self.settings.webhook_lease_seconds,
                limit=self.settings.webhook_batch_size,
            )
        await asyncio.gather(*(self._attempt(http, delivery) for delivery in claimed))
        return len(claimed)

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
    waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(consumers.queued.wait())]
    await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    for wait in waits:
        wait.cancel()
    consumers.queued.clear()


async def send_webhooks(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    """The webhook-worker role's task."""
    settings = runtime.settings
    assert isinstance(settings, NotifierSettings)
    consumers.use_settings(settings)
    await DeliveryWorker(sessions=runtime.session_factory, settings=settings).run(stop)
