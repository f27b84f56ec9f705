"""The timer sweep: closes every timer whose operator went idle, or did not confirm, longer than the
idle timeout ago (its `idle_until` has passed), at its last activity, which for an unconfirmed timer
is at most its due time. So no timer runs on after its operator is gone, whether the browser was
closed, the network lost or the server restarted meanwhile.

Safe with several replicas: timers are claimed with FOR UPDATE SKIP LOCKED in batches that commit on
their own, and a timer's row goes in the transaction that books its entry, so each is closed (and its
`time_entry_booked` written to the outbox) once."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from helpdesk_common.periodic import every
from helpdesk_common.service import ServiceRuntime
from timetracking.config import TimetrackingSettings
from timetracking.tables import timers
from timetracking.timer.service import close_timer

log = logging.getLogger(__name__)


async def sweep_once(
    session_factory: async_sessionmaker[AsyncSession], *, now: datetime, batch_size: int = 200
) -> int:
    closed = 0
    while True:
        async with session_factory() as session, session.begin():
            claimed = (
                await session.execute(
                    select(timers)
                    .where(timers.c.idle_until < now)
                    .order_by(timers.c.idle_until)
                    .limit(batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            for timer in claimed:
                await close_timer(session, timer, end=timer.last_activity_at)
        closed += len(claimed)
        # Every claimed timer is gone, so a full batch means there may be more.
        if len(claimed) < batch_size:
            return closed


async def timer_sweep_job(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    settings = runtime.settings
    assert isinstance(settings, TimetrackingSettings)

    async def sweep() -> None:
        closed = await sweep_once(
            runtime.session_factory,
            now=runtime.clock.now(),
            batch_size=settings.timetracking_sweep_batch_size,
        )
        if closed:
            log.info("timer sweep: %d abandoned timers closed", closed)

    await every(settings.timetracking_sweep_interval_seconds, stop, sweep, what="the timer sweep")
