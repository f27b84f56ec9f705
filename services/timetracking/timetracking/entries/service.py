"""The rules of a work item's entries, a ticket's or an incident's alike: a manual booking (its times in
the operator's zone, never after tomorrow, never overlapping another entry of the same operator on any
work item), the work item's entries with their totals, and deleting one (their own, or anyone's with
tickets_manage_time_entries; never one still running)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, insert
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.auth import Operator
from helpdesk_common.errors import Conflict, NotFound, PermissionMissing, ValidationFailed
from helpdesk_common.outbox import add_event
from timetracking.access import MANAGE_ENTRIES_FLAG, may_delete
from timetracking.entries.schemas import EntriesOut, EntryIn, EntryOut
from timetracking.entries.store import (
    booked_event,
    deleted_event,
    entry_query,
    first_overlapping,
    lock_operator,
    snapshot_of,
)
from timetracking.local_time import check_day, local_clock, local_date, local_instant, tomorrow
from timetracking.settings.service import settings_of
from timetracking.tables import entries
from timetracking.timer.service import settle
from timetracking.totals import Tally
from timetracking.work_items import WorkItem


class EntryNotFound(NotFound):
    pass


class EntryRunning(Conflict):
    title = "The entry is running"


async def list_entries(
    session: AsyncSession, *, operator: Operator, item: WorkItem, zone: ZoneInfo, now: datetime
) -> EntriesOut:
    rows = await session.execute(
        entry_query()
        .where(entries.c.work_item_kind == item.kind, entries.c.work_item_id == item.id)
        .order_by(entries.c.started_at, entries.c.id)
    )
    shown = [entry_out(row, zone=zone, operator=operator, now=now) for row in rows]
    tally = Tally()
    for entry in shown:
        if not entry.running:
            tally.add(billable=entry.billable, raw=entry.duration_seconds, rounded=entry.rounded_seconds or 0)
    return EntriesOut(time_zone=zone.key, entries=shown, totals=tally.totals())


async def book(
    session: AsyncSession, *, operator: Operator, item: WorkItem, data: EntryIn, now: datetime
) -> EntryOut:
    """Rounded with the ticket's department's step and mode of now, kept so; an incident's is exact
    (it has no department, whose settings would say otherwise)."""
    zone = ZoneInfo(data.time_zone)
    day = check_day(data.date, "date")
    latest = tomorrow(now, zone)
    if day > latest:
        raise ValidationFailed(
            "date", f"The date may be tomorrow ({latest} in {zone.key}) at the latest, not {day}."
        )
    start = local_instant(day, data.start, zone, field="start")
    end = local_instant(day, data.end, zone, field="end")
    if end <= start:
        raise ValidationFailed("end", f"The end ({data.end}) must be after the start ({data.start}).")
    await lock_operator(session, operator.id)
    await settle(session, operator.id, now)
    other = await first_overlapping(session, operator.id, start, end)
    if other is not None:
        raise ValidationFailed("start", _overlap_message(other, zone))
    settings = await settings_of(session, item.department_id)
    duration = int((end - start).total_seconds())
    entry_id = uuid.uuid4()
    await session.execute(
        insert(entries).values(
            id=entry_id,
            work_item_kind=item.kind,
            work_item_id=item.id,
            user_id=operator.id,
            username=operator.username,
            started_at=start,
            ended_at=end,
            duration_seconds=duration,
            rounded_seconds=settings.rounded(duration),
            notes=data.notes,
            origin="manual",
            billable=data.billable,
        )
    )
    booked = (await session.execute(entry_query().where(entries.c.id == entry_id))).one()
    await add_event(session, booked_event(booked))
    return entry_out(booked, zone=zone, operator=operator, now=now)


async def delete_entry(
    session: AsyncSession, *, operator: Operator, item: WorkItem, entry_id: uuid.UUID, now: datetime
) -> None:
    entry = await _entry_on(session, item, entry_id)
    if not may_delete(operator, kind=item.kind, user_id=entry.user_id):
        raise PermissionMissing(MANAGE_ENTRIES_FLAG)
    # The owner's timer, if it went idle meanwhile, is closed first: its entry is then no longer running.
    await lock_operator(session, entry.user_id)
    await settle(session, entry.user_id, now)
    entry = await _entry_on(session, item, entry_id)
    if entry.running:
        raise EntryRunning(
            "The entry is still running: stop its timer first (close the ticket, or wait for it to go idle).",
            reason="entry_running",
        )
    await session.execute(delete(entries).where(entries.c.id == entry_id))
    await add_event(session, deleted_event(snapshot_of(entry), reason="deleted", actor_id=operator.id))


def entry_out(row: Any, *, zone: ZoneInfo, operator: Operator, now: datetime) -> EntryOut:
    running = bool(row.running) or row.ended_at is None
    duration = (
        row.duration_seconds
        if row.duration_seconds is not None
        else max(0, int((now - row.started_at).total_seconds()))
    )
    return EntryOut(
        id=row.id,
        work_item_kind=row.work_item_kind,
        work_item_id=row.work_item_id,
        user_id=row.user_id,
        username=row.username,
        origin=row.origin,
        billable=row.billable,
        notes=row.notes,
        started_at=row.started_at,
        ended_at=row.ended_at,
        date=local_date(row.started_at, zone),
        start=local_clock(row.started_at, zone),
        end=local_clock(row.ended_at, zone) if row.ended_at is not None else None,
        duration_seconds=duration,
        rounded_seconds=row.rounded_seconds,
        running=running,
        deletable=not running and may_delete(operator, kind=row.work_item_kind, user_id=row.user_id),
        created_at=row.created_at,
    )


async def _entry_on(session: AsyncSession, item: WorkItem, entry_id: uuid.UUID) -> Any:
    row = (
        await session.execute(
            entry_query().where(
                entries.c.id == entry_id,
                entries.c.work_item_kind == item.kind,
                entries.c.work_item_id == item.id,
            )
        )
    ).first()
    if row is None:
        raise EntryNotFound(f"The entry {entry_id} does not exist on this {item.kind}.")
    return row


def _overlap_message(other: Any, zone: ZoneInfo) -> str:
    on = (
        f"on {other.work_item_number}"
        if other.work_item_number
        else f"on {other.work_item_kind} {other.work_item_id}"
    )
    day, start = local_date(other.started_at, zone), local_clock(other.started_at, zone)
    if other.ended_at is None:
        return f"Overlaps your running timer {on}, started {day} {start} ({zone.key}): stop it first."
    end_day, end = local_date(other.ended_at, zone), local_clock(other.ended_at, zone)
    until = end if end_day == day else f"{end_day} {end}"
    return f"Overlaps your entry {on} of {day}, {start} to {until} ({zone.key})."
