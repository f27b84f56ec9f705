"""The poller role's one task: take the leases of mailboxes no live poller holds, keep renewing them,
run one worker per mailbox held, and let them go when the process stops."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from helpdesk_common.periodic import sleep_unless_stopped
from helpdesk_common.service import ServiceRuntime
from mail_gateway.config import MailGatewaySettings
from mail_gateway.polling import lease
from mail_gateway.polling.mailbox import MailboxWorker, PollerContext

log = logging.getLogger(__name__)


class Poller:
    def __init__(
        self,
        engine: AsyncEngine,
        sessions: async_sessionmaker[AsyncSession],
        settings: MailGatewaySettings,
        *,
        holder: str | None = None,
    ) -> None:
        self.context = PollerContext(engine, sessions, settings, holder or lease.holder_name())
        self.workers: dict[uuid.UUID, asyncio.Task[None]] = {}

    @property
    def holder(self) -> str:
        return self.context.holder

    async def run(self, stop: asyncio.Event) -> None:
        settings = self.context.settings
        log.info("poller %s started", self.holder)
        try:
            while not stop.is_set():
                try:
                    await self.tend(stop)
                except Exception:
                    log.exception("poller %s: renewing or taking leases failed", self.holder)
                # Renewed three times per lease: one late round does not cost a mailbox.
                await sleep_unless_stopped(stop, settings.mail_lease_seconds / 3)
        finally:
            await self._stop_workers()
            with contextlib.suppress(Exception):
                await lease.release(self.context.engine, holder=self.holder)
            log.info("poller %s stopped and released its mailboxes", self.holder)

    async def tend(self, stop: asyncio.Event) -> None:
        """One round: renew what is held, drop what was lost or disabled, take what is free."""
        engine = self.context.engine
        settings = self.context.settings
        for department_id, task in list(self.workers.items()):
            if task.done():
                del self.workers[department_id]
        held = await lease.renew(
            engine, holder=self.holder, seconds=settings.mail_lease_seconds, held=list(self.workers)
        )
        gone = [department_id for department_id in self.workers if department_id not in held]
        await self._let_go(gone)
        share = await lease.fair_share(
            engine,
            holder=self.holder,
            seconds=settings.mail_lease_seconds,
            most=settings.mail_poller_max_mailboxes,
        )
        # Over its share (another poller started): the newest taken go back, for the other to take.
        excess = list(self.workers)[share:]
        for department_id in excess:
            log.info("poller %s gives mailbox %s back to share the load", self.holder, department_id)
        await self._let_go(excess)
        taken = await lease.take(
            engine,
            holder=self.holder,
            seconds=settings.mail_lease_seconds,
            limit=share - len(self.workers),
        )
        for department_id in taken:
            worker = MailboxWorker(self.context, department_id)
            self.workers[department_id] = asyncio.create_task(
                worker.run(stop), name=f"mailbox:{department_id}"
            )
            log.info("poller %s took mailbox %s", self.holder, department_id)

    async def _let_go(self, department_ids: list[uuid.UUID]) -> None:
        """Their workers stopped (their connections closed) before the leases go, so a successor never
        overlaps with them."""
        if not department_ids:
            return
        stopping = [self.workers.pop(department_id) for department_id in department_ids]
        for task in stopping:
            task.cancel()
        await asyncio.gather(*stopping, return_exceptions=True)
        await lease.release(self.context.engine, holder=self.holder, released=department_ids)

    async def _stop_workers(self) -> None:
        for task in self.workers.values():
            task.cancel()
        await asyncio.gather(*self.workers.values(), return_exceptions=True)
        self.workers.clear()


async def poll_mailboxes(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    """The `poller` role's task (helpdesk run mail-gateway --role poller)."""
    settings = runtime.settings
    if not isinstance(settings, MailGatewaySettings):
        settings = MailGatewaySettings.model_validate(settings.model_dump())
    await Poller(runtime.engine, runtime.session_factory, settings).run(stop)
