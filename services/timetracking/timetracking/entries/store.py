"""Entries as stored, beneath the rules that book, read and time them: the query of an entry with its
work item, the per-operator lock every write of an operator's entries takes, closing a timer's entry, a
work item's entries going with it, and the events of each."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.contracts.time import (
    DeletionReason,
    TimeEntryBooked,
    TimeEntryBookedData,
    TimeEntryDeleted,
    TimeEntryDeletedData,
    TimeEntrySnapshot,
)
from helpdesk_common.outbox import add_event, add_events
from timetracking.settings.service import settings_of
from timetracking.tables import entries, incidents, tickets, timers
from timetracking.work_items import INCIDENT, TICKET

SOURCE = "timetracking"
# The advisory lock class of an operator's entries (the second key is the operator's own): bookings and
# timers of one operator take turns, so that no two of their checks for overlaps race.
OPERATOR_LOCK_CLASS = 0x7117


async def lock_operator(session: AsyncSession, operator_id: uuid.UUID) -> None:
    await session.execute(
        text("SELECT pg_advisory_xact_lock(:class, hashtext(:key))"),
        {"class": OPERATOR_LOCK_CLASS, "key": str(operator_id)},
    )


def entry_query() -> Select[Any]:
    """An entry with the work item it is on (number and title; a ticket's department)."""
    return select(
        entries,
        func.coalesce(tickets.c.number, incidents.c.number).label("work_item_number"),
        func.coalesce(tickets.c.title, incidents.c.title).label("work_item_title"),
        tickets.c.department_id.label("department_id"),
        timers.c.operator_id.is_not(None).label("running"),
    ).select_from(
        entries.outerjoin(
            tickets, and_(entries.c.work_item_kind == TICKET, tickets.c.id == entries.c.work_item_id)
        )
        .outerjoin(
            incidents, and_(entries.c.work_item_kind == INCIDENT, incidents.c.id == entries.c.work_item_id)
        )
        .outerjoin(timers, timers.c.entry_id == entries.c.id)
    )


async def first_overlapping(session: AsyncSession, user_id: uuid.UUID, start: datetime, end: datetime) -> Any:
    """The operator's earliest entry overlapping [start, end): a booked one by its times, a running one
    from its start on (it may go on until `end`)."""
    query = entry_query().where(
        entries.c.user_id == user_id,
        entries.c.started_at < end,
        entries.c.ended_at.is_(None) | (entries.c.ended_at > start),
    )
    return (await session.execute(query.order_by(entries.c.started_at).limit(1))).first()


async def close_entry(session: AsyncSession, *, entry_id: uuid.UUID, end: datetime) -> Any:
    """A timer's entry, ended at `end` (its timer's row is gone already): rounded with its department's
    settings of this moment, and announced. It never runs into the operator's next entry (a manual one
    booked later in the day): it ends at that entry's start at the latest. One that lasted no time at
    all is dropped, unannounced."""
    entry = (await session.execute(entry_query().where(entries.c.id == entry_id))).one()
    next_start = await session.scalar(
        select(func.min(entries.c.started_at)).where(
            entries.c.user_id == entry.user_id,
            entries.c.id != entry_id,
            entries.c.started_at > entry.started_at,
        )
    )
    end = max(entry.started_at, min(end, next_start) if next_start is not None else end)
    duration = int((end - entry.started_at).total_seconds())
    if duration == 0:
        await session.execute(delete(entries).where(entries.c.id == entry_id))
        return None
    settings = await settings_of(session, entry.department_id)
    await session.execute(
        update(entries)
        .where(entries.c.id == entry_id)
        .values(ended_at=end, duration_seconds=duration, rounded_seconds=settings.rounded(duration))
    )
    closed = (await session.execute(entry_query().where(entries.c.id == entry_id))).one()
    await add_event(session, booked_event(closed))
    return closed


async def remove_work_item(
    session: AsyncSession, *, kind: str, work_item_id: uuid.UUID, number: str | None, department_id: Any
) -> int:
    """Every entry and timer of a work item that is gone (a deleted ticket), each booked entry announced
    as deleted. Timers first: the sweep locks a timer before its entry, so this takes them in the same
    order."""
    await session.execute(
        delete(timers).where(timers.c.work_item_kind == kind, timers.c.work_item_id == work_item_id)
    )
    removed = (
        await session.execute(
            delete(entries)
            .where(entries.c.work_item_kind == kind, entries.c.work_item_id == work_item_id)
            .returning(*entries.c)
        )
    ).all()
    booked = [row for row in removed if row.ended_at is not None]
    await add_events(
        session,
        [
            deleted_event(
                _snapshot(row, number=number, department_id=department_id),
                reason="ticket_deleted",
                actor_id=None,
            )
            for row in booked
        ],
    )
    return len(removed)


def booked_event(entry: Any) -> TimeEntryBooked:
    return TimeEntryBooked.build(
        source=SOURCE, subject=str(entry.id), data=TimeEntryBookedData(entry=snapshot_of(entry))
    )


def deleted_event(
    snapshot: TimeEntrySnapshot, *, reason: DeletionReason, actor_id: uuid.UUID | None
) -> TimeEntryDeleted:
    return TimeEntryDeleted.build(
        source=SOURCE,
        subject=str(snapshot.id),
        data=TimeEntryDeletedData(entry=snapshot, reason=reason, actor_id=actor_id),
    )


def snapshot_of(entry: Any) -> TimeEntrySnapshot:
    """An entry of `entry_query`, with its work item's number and a ticket's department."""
    return _snapshot(entry, number=entry.work_item_number, department_id=entry.department_id)


def _snapshot(entry: Any, *, number: str | None, department_id: Any) -> TimeEntrySnapshot:
    return TimeEntrySnapshot(
        id=entry.id,
        work_item_kind=entry.work_item_kind,
        work_item_id=entry.work_item_id,
        work_item_number=number,
        department_id=department_id,
        user_id=entry.user_id,
        username=entry.username,
        started_at=entry.started_at,
        ended_at=entry.ended_at,
        duration_seconds=entry.duration_seconds,
        rounded_seconds=entry.rounded_seconds,
        notes=entry.notes,
        origin=entry.origin,
        billable=entry.billable,
        created_at=entry.created_at,
    )
