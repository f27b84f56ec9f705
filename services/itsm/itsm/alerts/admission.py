"""Admission on the bus: each source is held to its `rate_per_minute` (a registered source's, else
`HELPDESK_ITSM_BUS_RATE_PER_MINUTE`), as the HTTP intake holds it, so that one source flooding
`alerts.>` cannot starve the others (docs/alerts.md, "Limits").

An alert of a source over its rate this minute, or of a source that already has alerts waiting, is
kept in `deferred_alerts` (in the batch's transaction, so it is neither lost nor applied twice) and
correlated later, oldest first, at the source's rate, by the drain in the `jobs` role (drain.py);
meanwhile the
alerts of every other source are correlated as they come. Keeping one costs one row, a fraction of
correlating it, so the consumer gets through a flood quickly.

The counters are shared by every replica: each batch and each drain locks its sources' rows, in the
sources' order, before any correlation key's lock (correlation.py), so the two never wait for each
other in opposite orders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.contracts.alerts import Alert
from helpdesk_common.db import driver_connection
from itsm.tables import alert_admission, alert_sources


@dataclass
class Admission:
    rate: int
    window_start: datetime
    admitted: int
    deferred: int

    def roll(self, minute: datetime) -> None:
        if self.window_start < minute:
            self.window_start, self.admitted = minute, 0

    @property
    def room(self) -> int:
        return max(0, self.rate - self.admitted)


def _minute(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0)


async def admit(
    session: AsyncSession, events: list[Alert], *, now: datetime, default_rate: int
) -> list[Alert]:
    """The events to correlate now, in order; the rest are kept for the drain."""
    sources = sorted({event.source for event in events})
    states = await lock(session, sources, now=now, default_rate=default_rate)
    admitted: list[Alert] = []
    deferred: list[Alert] = []
    for event in events:
        state = states[event.source]
        if state.deferred or not state.room:
            state.deferred += 1
            deferred.append(event)
        else:
            state.admitted += 1
            admitted.append(event)
    connection = await driver_connection(session)
    if deferred:
        await connection.execute(
            "INSERT INTO deferred_alerts (source, envelope) SELECT * FROM unnest($1::text[], $2::jsonb[])",
            [event.source for event in deferred],
            [event.model_dump_json() for event in deferred],
        )
    await save(session, states)
    return admitted


async def lock(
    session: AsyncSession, sources: list[str], *, now: datetime, default_rate: int
) -> dict[str, Admission]:
    minute = _minute(now)
    await session.execute(
        insert(alert_admission)
        .values([{"source": source, "window_start": minute} for source in sources])
        .on_conflict_do_nothing(index_elements=["source"])
    )
    c = alert_admission.c
    query = (
        select(c.source, c.window_start, c.admitted, c.deferred, alert_sources.c.rate_per_minute)
        .select_from(alert_admission.outerjoin(alert_sources, alert_sources.c.name == c.source))
        .where(c.source.in_(sources))
        .order_by(c.source)
        .with_for_update(of=alert_admission)
    )
    states = {
        row.source: Admission(
            rate=row.rate_per_minute or default_rate,
            window_start=row.window_start,
            admitted=row.admitted,
            deferred=row.deferred,
        )
        for row in await session.execute(query)
    }
    for state in states.values():
        state.roll(minute)
    return states


async def save(session: AsyncSession, states: dict[str, Admission]) -> None:
    connection = await driver_connection(session)
    await connection.execute(
        "UPDATE alert_admission SET window_start = given.window_start, admitted = given.admitted, "
        "deferred = given.deferred FROM unnest($1::text[], $2::timestamptz[], $3::int[], $4::int[]) "
        "AS given(source, window_start, admitted, deferred) WHERE alert_admission.source = given.source",
        list(states),
        [state.window_start for state in states.values()],
        [state.admitted for state in states.values()],
        [state.deferred for state in states.values()],
    )
