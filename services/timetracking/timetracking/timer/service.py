"""The auto-timer's service: one running timer per operator, kept in `timers` (so a restart loses
none), driven by the console's heartbeats, confirmations and stops, each taking `now` from the
process's clock. Every write takes the operator's lock first (entries/store.py), then the timer's
row; an expired timer is closed at its last activity before anything else (`settle`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.auth import Operator
from timetracking.entries.store import close_entry, lock_operator
from timetracking.settings.service import TimeSettings, settings_of
from timetracking.tables import entries, timers
from timetracking.timer.rules import TimerState, active_at, end_at, is_live, live_state
from timetracking.timer.schemas import RunningEntry, TimerOut
from timetracking.work_items import TICKET, WorkItem


async def read(session: AsyncSession, *, operator: Operator, ticket: WorkItem, now: datetime) -> TimerOut:
    """The state as it is, writing nothing: a timer past its idle timeout reads as stopped (the sweep
    closes it at its last activity)."""
    settings = await settings_of(session, ticket.department_id)
    if not settings.enabled:
        return _answer("disabled", ticket, settings, now)
    timer = await _timer_of(session, operator.id)
    if timer is None or not _on(timer, ticket) or not is_live(timer, now):
        return _answer("stopped", ticket, settings, now)
    return _answer(live_state(timer, now), ticket, settings, now, timer)


async def heartbeat(
    session: AsyncSession, *, operator: Operator, ticket: WorkItem, now: datetime
) -> TimerOut:
    """The operator works on the ticket: its timer goes on, or starts (closing one on another ticket:
    an operator works on one ticket at a time)."""
    return await _activity(session, operator=operator, ticket=ticket, now=now, confirming=False)


async def confirm(session: AsyncSession, *, operator: Operator, ticket: WorkItem, now: datetime) -> TimerOut:
    """The operator still works on the ticket: within the idle timeout after the due time the same entry
    goes on, due again a confirm timeout from now; later, it has ended at the due time, and a new one
    starts now."""
    return await _activity(session, operator=operator, ticket=ticket, now=now, confirming=True)


async def stop(session: AsyncSession, *, operator: Operator, ticket: WorkItem, now: datetime) -> TimerOut:
    """The operator closed the ticket: its timer's entry ends now (or at the due confirmation, or the
    last activity, whichever came first). A timer on another ticket runs on."""
    settings = await settings_of(session, ticket.department_id)
    await lock_operator(session, operator.id)
    timer = await settle(session, operator.id, now)
    if timer is not None and _on(timer, ticket):
        await close_timer(session, timer, end=end_at(timer, now))
    return _answer("stopped" if settings.enabled else "disabled", ticket, settings, now)


async def settle(session: AsyncSession, operator_id: uuid.UUID, now: datetime) -> Any:
    """The operator's live timer, locked; one that went idle is closed at its last activity first
    (None then, as when there is none). The caller holds the operator's lock."""
    timer = await _timer_of(session, operator_id, lock=True)
    if timer is not None and not is_live(timer, now):
        await close_timer(session, timer, end=timer.last_activity_at)
        return None
    return timer


async def close_timer(session: AsyncSession, timer: Any, *, end: datetime) -> Any:
    """The timer goes and its entry is booked (closed) at `end`; the caller holds the timer's row."""
    await session.execute(delete(timers).where(timers.c.operator_id == timer.operator_id))
    return await close_entry(session, entry_id=timer.entry_id, end=end)


async def _activity(
    session: AsyncSession, *, operator: Operator, ticket: WorkItem, now: datetime, confirming: bool
) -> TimerOut:
    settings = await settings_of(session, ticket.department_id)
    await lock_operator(session, operator.id)
    timer = await settle(session, operator.id, now)
    if not settings.enabled:
        # Switched off while it ran: the entry ends as if the dialog were closed.
        if timer is not None and _on(timer, ticket):
            await close_timer(session, timer, end=end_at(timer, now))
        return _answer("disabled", ticket, settings, now)
    if timer is not None and not _on(timer, ticket):
        await close_timer(session, timer, end=end_at(timer, now))
        timer = None
    if timer is None:
        return await _start(session, operator=operator, ticket=ticket, settings=settings, now=now)
    if confirming:
        values = {
            "last_activity_at": now,
            "confirm_due_at": now + settings.confirm_timeout,
            "idle_until": now + settings.idle_timeout,
        }
    else:
        last_activity, idle_until = active_at(timer, now, settings.idle_timeout)
        values = {"last_activity_at": last_activity, "idle_until": idle_until}
    await session.execute(update(timers).where(timers.c.operator_id == operator.id).values(**values))
    timer = await _timer_of(session, operator.id)
    return _answer(live_state(timer, now), ticket, settings, now, timer)


async def _start(
    session: AsyncSession, *, operator: Operator, ticket: WorkItem, settings: TimeSettings, now: datetime
) -> TimerOut:
    """A new automatic entry from now, unless an entry of the operator covers now (booked by hand, up
    to a later time): no two entries of one operator overlap, so the timer waits until it ends."""
    covering = await session.scalar(
        select(entries.c.ended_at).where(
            entries.c.user_id == operator.id, entries.c.started_at <= now, entries.c.ended_at > now
        )
    )
    if covering is not None:
        return _answer("stopped", ticket, settings, now, blocked_until=covering)
    entry_id = uuid.uuid4()
    await session.execute(
        insert(entries).values(
            id=entry_id,
            work_item_kind=TICKET,
            work_item_id=ticket.id,
            user_id=operator.id,
            username=operator.username,
            started_at=now,
            origin="automatic",
            billable=True,
        )
    )
    await session.execute(
        insert(timers).values(
            operator_id=operator.id,
            entry_id=entry_id,
            work_item_kind=TICKET,
            work_item_id=ticket.id,
            last_activity_at=now,
            confirm_due_at=now + settings.confirm_timeout,
            idle_until=now + settings.idle_timeout,
        )
    )
    timer = await _timer_of(session, operator.id)
    return _answer("running", ticket, settings, now, timer)


async def _timer_of(session: AsyncSession, operator_id: uuid.UUID, *, lock: bool = False) -> Any:
    query = (
        select(timers, entries.c.started_at)
        .join(entries, entries.c.id == timers.c.entry_id)
        .where(timers.c.operator_id == operator_id)
    )
    if lock:
        query = query.with_for_update(of=timers)
    return (await session.execute(query)).first()


def _on(timer: Any, ticket: WorkItem) -> bool:
    return bool(timer.work_item_kind == TICKET and timer.work_item_id == ticket.id)


def _answer(
    state: TimerState,
    ticket: WorkItem,
    settings: TimeSettings,
    now: datetime,
    timer: Any = None,
    *,
    blocked_until: datetime | None = None,
) -> TimerOut:
    entry = None
    if timer is not None:
        elapsed = int((end_at(timer, now) - timer.started_at).total_seconds())
        entry = RunningEntry(
            id=timer.entry_id,
            work_item_kind=timer.work_item_kind,
            work_item_id=timer.work_item_id,
            started_at=timer.started_at,
            elapsed_seconds=max(0, elapsed),
        )
    return TimerOut(
        state=state,
        ticket_id=ticket.id,
        entry=entry,
        started_at=timer.started_at if timer is not None else None,
        last_activity_at=timer.last_activity_at if timer is not None else None,
        confirm_due_at=timer.confirm_due_at if timer is not None else None,
        idle_timeout_minutes=settings.idle_timeout_minutes,
        confirm_timeout_minutes=settings.confirm_timeout_minutes,
        now=now,
        blocked_until=blocked_until,
    )
