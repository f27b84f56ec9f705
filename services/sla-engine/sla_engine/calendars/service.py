"""The rules for business calendars (issue 18): unique names (case-insensitive), working hours replaced
whole, holidays that never share a day, hard deletes, and the calendar as the working clock reads it
(`load_calendar`). No events: no other service reads calendars."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Row, and_, delete, extract, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.errors import Conflict, NotFound, ValidationFailed
from helpdesk_common.records import ensure_unique
from sla_engine.calendars.business_time import BusinessCalendar, Holiday, WorkingPeriod
from sla_engine.calendars.schemas import (
    CalendarCreate,
    CalendarOut,
    CalendarUpdate,
    HolidayCreate,
    HolidayOut,
    HolidayUpdate,
    WorkingPeriodIn,
    WorkingPeriodOut,
    clock,
    minutes,
)
from sla_engine.tables import calendar_holidays, calendar_periods, calendars, sla_definitions


class CalendarNotFound(NotFound):
    pass


class HolidayNotFound(NotFound):
    pass


async def list_calendars(session: AsyncSession) -> list[CalendarOut]:
    rows = (await session.execute(select(calendars).order_by(func.lower(calendars.c.name)))).all()
    working_hours = await _working_hours(session, [row.id for row in rows])
    return [_calendar_out(row, working_hours.get(row.id, [])) for row in rows]


async def read_calendar(session: AsyncSession, calendar_id: uuid.UUID) -> CalendarOut:
    row = (await session.execute(select(calendars).where(calendars.c.id == calendar_id))).first()
    if row is None:
        raise CalendarNotFound(f"The calendar {calendar_id} does not exist.")
    working_hours = await _working_hours(session, [calendar_id])
    return _calendar_out(row, working_hours.get(calendar_id, []))


async def create_calendar(session: AsyncSession, *, data: CalendarCreate) -> CalendarOut:
    await _ensure_unique_name(session, data.name)
    calendar_id = uuid.uuid4()
    await session.execute(
        insert(calendars).values(id=calendar_id, **data.model_dump(exclude={"working_hours"}))
    )
    await _replace_working_hours(session, calendar_id, data.working_hours)
    return await read_calendar(session, calendar_id)


async def update_calendar(
    session: AsyncSession, *, calendar_id: uuid.UUID, data: CalendarUpdate
) -> CalendarOut:
    await read_calendar(session, calendar_id)
    values: dict[str, Any] = data.model_dump(exclude_unset=True, exclude={"working_hours"})
    if not data.model_fields_set:
        return await read_calendar(session, calendar_id)
    if "name" in values:
        await _ensure_unique_name(session, values["name"], except_id=calendar_id)
    if data.working_hours is not None:
        await _replace_working_hours(session, calendar_id, data.working_hours)
    await session.execute(
        update(calendars).where(calendars.c.id == calendar_id).values(**values, updated_at=datetime.now(UTC))
    )
    return await read_calendar(session, calendar_id)


class CalendarInUse(Conflict):
    pass


async def delete_calendar(session: AsyncSession, *, calendar_id: uuid.UUID) -> None:
    """Hard delete, with the calendar's working hours and holidays; refused while an SLA counts in it,
    since its tickets' deadlines would lose their clock."""
    users = (
        (
            await session.execute(
                select(sla_definitions.c.name)
                .where(sla_definitions.c.calendar_id == calendar_id)
                .order_by("name")
            )
        )
        .scalars()
        .all()
    )
    if users:
        raise CalendarInUse(
            f"The calendar is used by the SLA {', '.join(users)}: choose another clock there first."
        )
    deleted = await session.execute(
        delete(calendars).where(calendars.c.id == calendar_id).returning(calendars.c.id)
    )
    if deleted.first() is None:
        raise CalendarNotFound(f"The calendar {calendar_id} does not exist.")


async def list_holidays(session: AsyncSession, calendar_id: uuid.UUID) -> list[HolidayOut]:
    """In the order of the year (month and day), whatever year each was entered with."""
    await read_calendar(session, calendar_id)
    query = (
        select(calendar_holidays)
        .where(calendar_holidays.c.calendar_id == calendar_id)
        .order_by(
            extract("month", calendar_holidays.c.day),
            extract("day", calendar_holidays.c.day),
            calendar_holidays.c.day,
        )
    )
    return [_holiday_out(row) for row in await session.execute(query)]


async def create_holiday(session: AsyncSession, *, calendar_id: uuid.UUID, data: HolidayCreate) -> HolidayOut:
    await _touch_calendar(session, calendar_id)
    await _ensure_day_free(session, calendar_id, day=data.date, recurring=data.recurring)
    holiday_id = uuid.uuid4()
    await session.execute(
        insert(calendar_holidays).values(
            id=holiday_id, calendar_id=calendar_id, day=data.date, recurring=data.recurring, name=data.name
        )
    )
    return await _read_holiday(session, calendar_id, holiday_id)


async def update_holiday(
    session: AsyncSession, *, calendar_id: uuid.UUID, holiday_id: uuid.UUID, data: HolidayUpdate
) -> HolidayOut:
    values: dict[str, Any] = data.model_dump(exclude_unset=True)
    if not values:
        await read_calendar(session, calendar_id)
        return await _read_holiday(session, calendar_id, holiday_id)
    await _touch_calendar(session, calendar_id)
    current = await _read_holiday(session, calendar_id, holiday_id)
    day = values.pop("date", current.date)
    recurring = values.get("recurring", current.recurring)
    if (day, recurring) != (current.date, current.recurring):
        await _ensure_day_free(session, calendar_id, day=day, recurring=recurring, except_id=holiday_id)
    await session.execute(
        update(calendar_holidays).where(calendar_holidays.c.id == holiday_id).values(**values, day=day)
    )
    return await _read_holiday(session, calendar_id, holiday_id)


async def delete_holiday(session: AsyncSession, *, calendar_id: uuid.UUID, holiday_id: uuid.UUID) -> None:
    await _touch_calendar(session, calendar_id)
    deleted = await session.execute(
        delete(calendar_holidays)
        .where(calendar_holidays.c.id == holiday_id, calendar_holidays.c.calendar_id == calendar_id)
        .returning(calendar_holidays.c.id)
    )
    if deleted.first() is None:
        raise HolidayNotFound(f"The calendar {calendar_id} has no holiday {holiday_id}.")


async def load_calendar(session: AsyncSession, calendar_id: uuid.UUID) -> BusinessCalendar | None:
    """The calendar as the working clock counts it; None when there is no such calendar."""
    time_zone = await session.scalar(select(calendars.c.time_zone).where(calendars.c.id == calendar_id))
    if time_zone is None:
        return None
    periods = await session.execute(
        select(calendar_periods)
        .where(calendar_periods.c.calendar_id == calendar_id)
        .order_by(calendar_periods.c.weekday, calendar_periods.c.start_minute)
    )
    holidays = await session.execute(
        select(calendar_holidays)
        .where(calendar_holidays.c.calendar_id == calendar_id)
        .order_by(calendar_holidays.c.day)
    )
    return BusinessCalendar(
        time_zone=time_zone,
        periods=tuple(
            WorkingPeriod(row.weekday, _local_time(row.start_minute), _local_time(row.end_minute))
            for row in periods
        ),
        holidays=tuple(Holiday(row.day, row.recurring, row.name) for row in holidays),
    )


def _local_time(minute: int) -> time:
    # 1440, the end of the day, is time(0) as WorkingPeriod reads an end.
    return time(minute // 60 % 24, minute % 60)


async def _working_hours(
    session: AsyncSession, calendar_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[WorkingPeriodOut]]:
    rows = await session.execute(
        select(calendar_periods)
        .where(calendar_periods.c.calendar_id.in_(calendar_ids))
        .order_by(calendar_periods.c.weekday, calendar_periods.c.start_minute)
    )
    working_hours: dict[uuid.UUID, list[WorkingPeriodOut]] = {}
    for row in rows:
        period = WorkingPeriodOut(
            weekday=row.weekday, start=clock(row.start_minute), end=clock(row.end_minute)
        )
        working_hours.setdefault(row.calendar_id, []).append(period)
    return working_hours


async def _replace_working_hours(
    session: AsyncSession, calendar_id: uuid.UUID, periods: list[WorkingPeriodIn]
) -> None:
    await session.execute(delete(calendar_periods).where(calendar_periods.c.calendar_id == calendar_id))
    await session.execute(
        insert(calendar_periods),
        [
            {
                "calendar_id": calendar_id,
                "weekday": period.weekday,
                "start_minute": minutes(period.start),
                "end_minute": minutes(period.end),
            }
            for period in periods
        ],
    )


async def _touch_calendar(session: AsyncSession, calendar_id: uuid.UUID) -> None:
    """A change of its holidays changes the calendar; the row's lock also makes the holiday checks of
    concurrent requests take turns."""
    touched = await session.execute(
        update(calendars)
        .where(calendars.c.id == calendar_id)
        .values(updated_at=datetime.now(UTC))
        .returning(calendars.c.id)
    )
    if touched.first() is None:
        raise CalendarNotFound(f"The calendar {calendar_id} does not exist.")


async def _read_holiday(session: AsyncSession, calendar_id: uuid.UUID, holiday_id: uuid.UUID) -> HolidayOut:
    query = select(calendar_holidays).where(
        calendar_holidays.c.id == holiday_id, calendar_holidays.c.calendar_id == calendar_id
    )
    row = (await session.execute(query)).first()
    if row is None:
        raise HolidayNotFound(f"The calendar {calendar_id} has no holiday {holiday_id}.")
    return _holiday_out(row)


async def _ensure_day_free(
    session: AsyncSession,
    calendar_id: uuid.UUID,
    *,
    day: date,
    recurring: bool,
    except_id: uuid.UUID | None = None,
) -> None:
    """422 naming `date` when another holiday of the calendar falls on the same day of some year: the
    same date, or the same month and day when either of the two recurs."""
    holidays = calendar_holidays.c
    same_month_day = and_(
        extract("month", holidays.day) == day.month, extract("day", holidays.day) == day.day
    )
    clash = (
        same_month_day if recurring else and_(same_month_day, or_(holidays.recurring, holidays.day == day))
    )
    query = select(calendar_holidays).where(holidays.calendar_id == calendar_id, clash)
    if except_id is not None:
        query = query.where(holidays.id != except_id)
    other = (await session.execute(query.limit(1))).first()
    if other is None:
        return
    if other.recurring:
        raise ValidationFailed("date", f"'{other.name}' is a holiday every {_month_day(other.day)} already.")
    if recurring:
        raise ValidationFailed(
            "date",
            f"'{other.name}' is a holiday on {other.day.isoformat()}, which a holiday every "
            f"{_month_day(day)} would fall on too; change or remove it first.",
        )
    raise ValidationFailed("date", f"'{other.name}' is a holiday on {other.day.isoformat()} already.")


def _month_day(day: date) -> str:
    return f"{day:%B} {day.day}"


async def _ensure_unique_name(
    session: AsyncSession, name: str, *, except_id: uuid.UUID | None = None
) -> None:
    await ensure_unique(
        session,
        calendars.c.name,
        name,
        field="name",
        message=f"A calendar named '{name}' exists already.",
        except_id=except_id,
    )


def _calendar_out(row: Row[Any], working_hours: list[WorkingPeriodOut]) -> CalendarOut:
    return CalendarOut(
        id=row.id,
        name=row.name,
        time_zone=row.time_zone,
        description=row.description,
        working_hours=working_hours,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _holiday_out(row: Row[Any]) -> HolidayOut:
    return HolidayOut(
        id=row.id, date=row.day, recurring=row.recurring, name=row.name, month=row.day.month, day=row.day.day
    )
