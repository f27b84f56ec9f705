"""The timer sweep: publishes sla_warning and sla_breached once each per ticket deadline as they fall
due, and an incident's breach once per deadline as its `sla_incident_deadlines_set` (incidents have no
warning event). Safe with several replicas: timers are claimed with FOR UPDATE SKIP LOCKED in batches
that commit on their own, and each alert is marked sent in the transaction that writes it to the
outbox."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from helpdesk_common.contracts.envelope import EventEnvelope
from helpdesk_common.contracts.tickets import SlaBreached, SlaTimerData, SlaWarning, TicketSnapshot
from helpdesk_common.outbox import add_events
from helpdesk_common.periodic import every
from helpdesk_common.service import ServiceRuntime
from sla_engine.config import SlaEngineSettings
from sla_engine.incidents.service import deadlines_event
from sla_engine.tables import incident_timers, ticket_timers
from sla_engine.timers.rules import Alert, Clock, clocks, next_check_at
from sla_engine.timers.service import SOURCE

log = logging.getLogger(__name__)
EVENTS: dict[Alert, type[SlaWarning] | type[SlaBreached]] = {"warning": SlaWarning, "breached": SlaBreached}


@dataclass
class SweepResult:
    warnings: int = 0
    breaches: int = 0


@dataclass(frozen=True)
class TimerTable:
    """A table of timers the sweep claims from: its key, the columns an alert may change, and the
    function that adds the alerts due on one row to the batch's events and says what they change."""

    table: Table
    key: str
    changed: tuple[str, ...]
    alerts_of: Callable[[Any, datetime, list[EventEnvelope[Any]], SweepResult], dict[str, Any]]


async def sweep_once(
    session_factory: async_sessionmaker[AsyncSession], *, now: datetime | None = None, batch_size: int = 200
) -> SweepResult:
    now = now or datetime.now(UTC)
    result = SweepResult()
    for timers in TIMER_TABLES:
        while True:
            async with session_factory() as session, session.begin():
                claimed = (
                    await session.execute(
                        select(timers.table)
                        .where(timers.table.c.next_check_at <= now)
                        .order_by(timers.table.c.next_check_at)
                        .limit(batch_size)
                        .with_for_update(skip_locked=True)
                    )
                ).all()
                await _alert_batch(session, timers, claimed, now, result)
            # Every claimed timer had an alert due (its next_check_at says so) and now points past
            # `now` or nowhere, so the loop ends.
            if len(claimed) < batch_size:
                break
    return result


async def sla_sweep_job(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    settings = runtime.settings
    assert isinstance(settings, SlaEngineSettings)

    async def sweep() -> None:
        swept = await sweep_once(
            runtime.session_factory, now=runtime.clock.now(), batch_size=settings.sla_sweep_batch_size
        )
        if swept.warnings or swept.breaches:
            log.info("SLA sweep: %d warnings, %d breaches", swept.warnings, swept.breaches)

    await every(settings.sla_sweep_interval_seconds, stop, sweep, what="the SLA sweep")


async def _alert_batch(
    session: AsyncSession, timers: TimerTable, claimed: Sequence[Any], now: datetime, result: SweepResult
) -> None:
    """One outbox insert and one timer update for the whole batch: the per-alert statements bounded
    the sweep's rate (`make bench-sla`)."""
    events: list[EventEnvelope[Any]] = []
    changes: list[dict[str, Any]] = []
    for timer in claimed:
        values = timers.alerts_of(timer, now, events, result)
        changes.append(
            {
                "timer_id": timer._mapping[timers.key],
                **{column: values.get(column, timer._mapping[column]) for column in timers.changed},
            }
        )
    if not changes:
        return
    await add_events(session, events)
    await session.execute(
        update(timers.table)
        .where(timers.table.c[timers.key] == bindparam("timer_id"))
        .values({column: bindparam(column) for column in timers.changed}),
        changes,
    )


def _ticket_alerts(
    timer: Any, now: datetime, events: list[EventEnvelope[Any]], result: SweepResult
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    status = timer.ticket["status"]
    for clock in clocks(timer._mapping, status):
        alert = clock.alert_due(now)
        if alert is None:
            continue
        events.append(_event(timer, clock, alert))
        warned_at = f"{clock.kind}_warned_at"
        if alert == "warning":
            values[warned_at] = now
            result.warnings += 1
        else:
            values[f"{clock.kind}_breached_at"] = now
            # A warning after the breach would say nothing new: a missed one is never sent.
            values[warned_at] = timer._mapping[warned_at] or now
            result.breaches += 1
    values["next_check_at"] = next_check_at({**timer._mapping, **values}, status)
    return values


def _incident_breaches(
    timer: Any, now: datetime, events: list[EventEnvelope[Any]], result: SweepResult
) -> dict[str, Any]:
    """A deadline passed with its target still open: the target is breached for good, and the
    incident's deadlines are published again with that outcome under the next revision."""
    values: dict[str, Any] = {}
    for clock in clocks(timer._mapping, timer.status, warns=False):
        if clock.alert_due(now) == "breached":
            values[f"{clock.kind}_breached_at"] = now
            values[f"{clock.kind}_outcome"] = "breached"
            result.breaches += 1
    merged = {**timer._mapping, **values}
    if values:
        values["revision"] = merged["revision"] = timer.revision + 1
        events.append(deadlines_event(merged))
    values["next_check_at"] = next_check_at(merged, timer.status, warns=False)
    return values


def _event(timer: Any, clock: Clock, alert: Alert) -> SlaWarning | SlaBreached:
    assert clock.due_at is not None and timer.sla_id is not None
    ticket = TicketSnapshot.model_validate(timer.ticket)
    data = SlaTimerData(ticket=ticket, sla_id=timer.sla_id, deadline=clock.kind, due_at=clock.due_at)
    return EVENTS[alert].build(source=SOURCE, subject=str(ticket.id), data=data)


TIMER_TABLES = (
    TimerTable(
        ticket_timers,
        "ticket_id",
        (
            "response_warned_at",
            "response_breached_at",
            "resolution_warned_at",
            "resolution_breached_at",
            "next_check_at",
        ),
        _ticket_alerts,
    ),
    TimerTable(
        incident_timers,
        "incident_id",
        (
            "response_breached_at",
            "resolution_breached_at",
            "response_outcome",
            "resolution_outcome",
            "revision",
            "next_check_at",
        ),
        _incident_breaches,
    ),
)
