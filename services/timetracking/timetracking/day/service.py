"""The day calendar: every entry of every operator that overlaps one local day, on the tickets the
operator can see (department visibility as on the queue), running ones included."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.auth import Operator
from helpdesk_common.ticket_module import visible_departments
from timetracking.day.schemas import DayEntry, DayOut
from timetracking.entries.service import entry_out
from timetracking.entries.store import entry_query
from timetracking.local_time import check_day, day_bounds
from timetracking.tables import entries, tickets
from timetracking.work_items import TICKET


async def read_day(
    session: AsyncSession, *, operator: Operator, day: date, zone: ZoneInfo, now: datetime
) -> DayOut:
    start, end = day_bounds(check_day(day, "date"), zone)
    rows = await session.execute(
        entry_query()
        .where(
            entries.c.work_item_kind == TICKET,
            tickets.c.deleted.is_(False),
            visible_departments(operator, tickets.c.department_id),
            entries.c.started_at < end,
            entries.c.ended_at.is_(None) | (entries.c.ended_at > start),
        )
        .order_by(entries.c.started_at, entries.c.id)
    )
    shown = [
        DayEntry(
            **entry_out(row, zone=zone, operator=operator, now=now).model_dump(),
            ticket_number=row.work_item_number,
            ticket_title=row.work_item_title,
        )
        for row in rows
    ]
    return DayOut(
        date=day,
        time_zone=zone.key,
        day_start=start,
        day_end=end,
        hours=(end - start).total_seconds() / 3600,
        entries=shown,
    )
