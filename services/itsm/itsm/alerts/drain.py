"""The drain of the `jobs` role: each source's deferred alerts (admission.py), oldest first, as many
as its rate has room for this minute, correlated; safe with replicas (a source's row is locked, or
skipped by a drain that finds it locked)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from helpdesk_common.contracts.alerts import Alert
from helpdesk_common.db import driver_connection
from helpdesk_common.periodic import every
from helpdesk_common.service import ServiceRuntime
from itsm.alerts.admission import lock, save
from itsm.alerts.correlation import correlate_admitted
from itsm.config import ItsmSettings
from itsm.tables import alert_admission

# At most this many of one source's deferred alerts in one drain transaction.
_DRAIN_BATCH = 1024


async def drain_once(
    session_factory: async_sessionmaker[AsyncSession], *, now: datetime, default_rate: int
) -> int:
    """Each waiting source's oldest deferred alerts, as many as its rate has room for this minute,
    correlated; the count."""
    drained = 0
    async with session_factory() as session, session.begin():
        waiting = [
            row.source
            for row in await session.execute(
                select(alert_admission.c.source)
                .where(alert_admission.c.deferred > 0)
                .order_by(alert_admission.c.source)
                .with_for_update(skip_locked=True)
            )
        ]
        if not waiting:
            return 0
        states = await lock(session, waiting, now=now, default_rate=default_rate)
        connection = await driver_connection(session)
        for source, state in states.items():
            take = min(state.room, state.deferred, _DRAIN_BATCH)
            if not take:
                continue
            rows = await connection.fetch(
                "DELETE FROM deferred_alerts WHERE sequence IN (SELECT sequence FROM deferred_alerts "
                "WHERE source = $1 ORDER BY sequence LIMIT $2) RETURNING sequence, envelope::text",
                source,
                take,
            )
            events = [
                Alert.model_validate(orjson.loads(row["envelope"])) for row in sorted(rows, key=_sequence)
            ]
            state.admitted += len(events)
            state.deferred -= len(events)
            await correlate_admitted(session, events)
            drained += len(events)
        await save(session, states)
    return drained


def _sequence(row: Any) -> int:
    return int(row["sequence"])


async def drain_job(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    settings = runtime.settings
    assert isinstance(settings, ItsmSettings)

    async def drain() -> None:
        while await drain_once(
            runtime.session_factory, now=runtime.clock.now(), default_rate=settings.itsm_bus_rate_per_minute
        ):
            pass

    await every(settings.itsm_drain_interval_seconds, stop, drain, what="the deferred alerts' drain")
