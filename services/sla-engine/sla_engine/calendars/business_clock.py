"""The working clock of a business calendar: real elapsed seconds inside its weekly working periods, in
its time zone, outside its holidays.

Choices where local time is not a line:
- A period boundary is the first instant whose local wall time is at or past it. So a boundary inside
  a skipped hour (spring forward) moves to the first instant after the gap, and a boundary inside a
  repeated hour (fall back) takes its first occurrence. A 01:00-05:00 period in Europe/Berlin holds 3
  real hours on the spring-forward day and 5 on the fall-back day.
- A deadline is a real instant, so one that would fall inside a skipped hour lands after it.
- A deadline landing exactly at the end of a period is that end, not the start of the next period.
- `add` raises `NoWorkingTime` once it has searched `NO_WORKING_TIME_HORIZON` (about 400 days, to a
  week) after the last working time it found; `between` counts 0 for such a calendar.
- Long windows are counted a week at a time: a week without a change of UTC offset holds exactly the
  wall-clock length of its working periods, less its holidays; the rest are counted period by period.
  tzdata has never changed a zone's offset twice within four days, so a week whose offset is the same
  at its start, middle and end has no change, and neither has a day with the same offset at both its
  midnights.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Iterator
from datetime import MAXYEAR, UTC, date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from helpdesk_common.errors import HelpdeskError
from sla_engine.calendars.business_time import (
    BusinessCalendar,
    WorkingPeriod,
    utc_instant,
    working_duration,
)

DAY = timedelta(days=1)
WEEK = timedelta(weeks=1)
NO_WORKING_TIME_HORIZON = timedelta(days=400)
# A recurring 29 February can be eight years away (2096, then 2104).
_YEARS_TO_NEXT_LEAP_DAY = 9

# A stretch of working hours as offsets from local midnight, the end at most a day.
Shift = tuple[timedelta, timedelta]


class NoWorkingTime(HelpdeskError):
    """The calendar holds no working time in which a deadline could fall."""

    status_code = 422
    problem_type = "urn:helpdesk:problem:no-working-time"
    title = "No working time"


class _Week(NamedTuple):
    """Monday 00:00 to the next Monday 00:00, local; `working` is None when an offset change falls
    inside, so the week must be counted period by period."""

    monday: date
    start: datetime
    end: datetime
    working: timedelta | None


def _shift_of(period: WorkingPeriod) -> Shift:
    if not 0 <= period.weekday <= 6:
        raise ValueError(f"weekday must be 0 (Monday) to 6, got {period.weekday}")
    if period.start.tzinfo is not None or period.end.tzinfo is not None:
        raise ValueError("working periods are in the calendar's time zone, without a tzinfo of their own")
    start = _since_midnight(period.start)
    end = _since_midnight(period.end) if period.end != time(0) else DAY
    if end <= start:
        raise ValueError(f"a working period must end after it starts: {period}")
    return start, end


def _since_midnight(moment: time) -> timedelta:
    return timedelta(
        hours=moment.hour, minutes=moment.minute, seconds=moment.second, microseconds=moment.microsecond
    )


def _merged(shifts: Iterable[Shift]) -> tuple[Shift, ...]:
    """Overlapping or touching shifts as one, so no second is counted twice."""
    merged: list[Shift] = []
    for start, end in sorted(shifts):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def _recurring_dates(year: int, month_days: Iterable[tuple[int, int]]) -> list[date]:
    dates = []
    for month, day in month_days:
        try:
            dates.append(date(year, month, day))
        except ValueError:  # 29 February outside a leap year
            continue
    return dates


class BusinessClock:
    """The `WorkingClock` of `calendar`; a malformed period is a ValueError and an unknown time zone a
    `zoneinfo.ZoneInfoNotFoundError`, both when the clock is built."""

    def __init__(self, calendar: BusinessCalendar) -> None:
        self.calendar = calendar
        self._zone = ZoneInfo(calendar.time_zone)
        shifts_by_weekday: list[list[Shift]] = [[] for _ in range(7)]
        for period in calendar.periods:
            shift = _shift_of(period)
            shifts_by_weekday[period.weekday].append(shift)
        self._shifts = tuple(_merged(shifts) for shifts in shifts_by_weekday)
        self._day_working = tuple(
            sum((end - start for start, end in day), timedelta()) for day in self._shifts
        )
        self._week_working = sum(self._day_working, timedelta())
        holidays = calendar.holidays
        self._one_off_holidays = frozenset(holiday.day for holiday in holidays if not holiday.recurring)
        self._one_off_holidays_in_order = sorted(self._one_off_holidays)
        self._recurring_holidays = frozenset(
            (holiday.day.month, holiday.day.day) for holiday in holidays if holiday.recurring
        )

    def add(self, start: datetime, seconds: float) -> datetime:
        instant = utc_instant(start)
        remaining = working_duration(seconds)
        if not remaining:
            return instant
        last_working_week = self._first_monday(instant)
        for week in self._weeks_from(last_working_week):
            if week.monday - last_working_week > NO_WORKING_TIME_HORIZON:
                raise NoWorkingTime(
                    f"the calendar in {self.calendar.time_zone} has no working time within "
                    f"{NO_WORKING_TIME_HORIZON.days} days after {last_working_week}"
                )
            if week.working is not None and week.start >= instant and week.working < remaining:
                remaining -= week.working
                if week.working:
                    last_working_week = week.monday
                continue
            for shift_start, shift_end in self._shift_instants(week.monday):
                begin = max(shift_start, instant)
                if begin >= shift_end:
                    continue
                if shift_end - begin >= remaining:
                    return begin + remaining
                remaining -= shift_end - begin
                last_working_week = week.monday
        raise AssertionError("the weeks ran out")  # they do not: _weeks_from never ends

    def between(self, start: datetime, end: datetime) -> float:
        begin_at, end_at = utc_instant(start), utc_instant(end)
        working = timedelta()
        for week in self._weeks_from(self._first_monday(begin_at)):
            if week.start >= end_at:
                break
            if week.working is not None and begin_at <= week.start and week.end <= end_at:
                working += week.working
                continue
            for shift_start, shift_end in self._shift_instants(week.monday):
                working += max(timedelta(), min(shift_end, end_at) - max(shift_start, begin_at))
        return working.total_seconds()

    def _first_monday(self, instant: datetime) -> date:
        # A day back: after a fall-back at midnight an instant's local date can trail a period it is in.
        day = instant.astimezone(self._zone).date() - DAY
        return day - timedelta(days=day.weekday())

    def _weeks_from(self, monday: date) -> Iterator[_Week]:
        next_holiday = self._next_holiday(monday)
        midnight = datetime.combine(monday, time(0))
        # The wall time read as UTC: less the offset, the instant of a steady week's start.
        midnight_as_utc = midnight.replace(tzinfo=UTC)
        offset = self._offset_at(midnight)
        while True:
            following = monday + WEEK
            holiday_in_week = next_holiday is not None and next_holiday < following
            if holiday_in_week:
                next_holiday = self._next_holiday(following)
            following_offset = self._offset_at(midnight + WEEK)
            if offset == following_offset == self._offset_at(midnight + WEEK / 2):
                start = midnight_as_utc - offset
                working = self._week_working
                if holiday_in_week:
                    working = sum((self._working_on(monday + k * DAY) for k in range(7)), timedelta())
                yield _Week(monday, start, start + WEEK, working)
            else:
                start, end = self._instant_at(monday, timedelta()), self._instant_at(following, timedelta())
                yield _Week(monday, start, end, None)
            monday, midnight, midnight_as_utc = following, midnight + WEEK, midnight_as_utc + WEEK
            offset = following_offset

    def _offset_at(self, wall: datetime) -> timedelta:
        """The UTC offset at local `wall` (a repeated or skipped one reads the offset before the change)."""
        offset = self._zone.utcoffset(wall)
        assert offset is not None  # a ZoneInfo has an offset at every wall time
        return offset

    def _working_on(self, day: date) -> timedelta:
        return timedelta() if self._is_holiday(day) else self._day_working[day.weekday()]

    def _shift_instants(self, monday: date) -> Iterator[tuple[datetime, datetime]]:
        """The working periods of the week from `monday` as UTC instants, in order."""
        for day in (monday + k * DAY for k in range(7)):
            if not self._is_holiday(day):
                yield from self._shift_instants_on(day)

    def _shift_instants_on(self, day: date) -> Iterator[tuple[datetime, datetime]]:
        midnight = datetime.combine(day, time(0))
        offset = self._offset_at(midnight)
        if self._offset_at(midnight + DAY) == offset:
            utc_midnight = datetime.combine(day, time(0), tzinfo=UTC) - offset
            for start, end in self._shifts[day.weekday()]:
                yield utc_midnight + start, utc_midnight + end
            return
        for start, end in self._shifts[day.weekday()]:
            start_at, end_at = self._instant_at(day, start), self._instant_at(day, end)
            if end_at > start_at:  # a period wholly inside a skipped hour holds no time
                yield start_at, end_at

    def _instant_at(self, day: date, since_midnight: timedelta) -> datetime:
        """The first instant whose local wall time is at or past `since_midnight` on `day`."""
        wall = datetime.combine(day, time(0)) + since_midnight
        # fold=0, the default, is the first occurrence of a repeated wall time.
        instant = wall.replace(tzinfo=self._zone).astimezone(UTC)
        if instant.astimezone(self._zone).replace(tzinfo=None) == wall:  # a skipped one does not come back
            return instant
        return self._end_of_gap(wall)

    def _end_of_gap(self, wall: datetime) -> datetime:
        """The instant the clocks jumped over the nonexistent `wall`, found by bisection on whole
        seconds, the resolution of tzdata's transitions."""
        read_with_both_offsets = [
            wall.replace(tzinfo=self._zone, fold=fold).astimezone(UTC).timestamp() for fold in (0, 1)
        ]
        # Invariant: the local wall time is before `wall` at `before`, at or past it at `after`.
        before, after = math.floor(min(read_with_both_offsets)), math.ceil(max(read_with_both_offsets))
        while after - before > 1:
            middle = (before + after) // 2
            if datetime.fromtimestamp(middle, self._zone).replace(tzinfo=None) >= wall:
                after = middle
            else:
                before = middle
        return datetime.fromtimestamp(after, UTC)

    def _is_holiday(self, day: date) -> bool:
        return day in self._one_off_holidays or (day.month, day.day) in self._recurring_holidays

    def _next_holiday(self, on_or_after: date) -> date | None:
        candidates: list[date] = []
        index = bisect.bisect_left(self._one_off_holidays_in_order, on_or_after)
        if index < len(self._one_off_holidays_in_order):
            candidates.append(self._one_off_holidays_in_order[index])
        for year in range(on_or_after.year, min(on_or_after.year + _YEARS_TO_NEXT_LEAP_DAY, MAXYEAR) + 1):
            upcoming = [day for day in _recurring_dates(year, self._recurring_holidays) if day >= on_or_after]
            if upcoming:
                candidates.append(min(upcoming))
                break
        return min(candidates, default=None)
