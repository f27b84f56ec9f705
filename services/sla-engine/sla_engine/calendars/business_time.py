"""Working time as an SLA counts it: continuous wall-clock time by default, or the weekly working hours
of a business calendar in an IANA time zone, without its holidays. Pure functions of their inputs, so
the engine's consumers, its sweep and its tests compute the same deadlines.

Both clocks take timezone-aware datetimes in any zone (a naive one is a ValueError), answer in UTC, and
take a non-negative, finite number of seconds; `add(start, 0)` is `start` itself, in UTC, even outside
working hours. The calendar's clock is `business_clock.BusinessClock`."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol


@dataclass(frozen=True)
class WorkingPeriod:
    """One stretch of working hours on a weekday, in the calendar's local time: `weekday` 0 is
    Monday; `end` after `start`, and `time(0)` as `end` means midnight at the end of the day."""

    weekday: int
    start: time
    end: time


@dataclass(frozen=True)
class Holiday:
    """A day without working hours: once on `day`, or every year on its month and day when
    `recurring` (a recurring 29 February falls only in leap years)."""

    day: date
    recurring: bool = False
    name: str = ""


@dataclass(frozen=True)
class BusinessCalendar:
    time_zone: str
    periods: tuple[WorkingPeriod, ...]
    holidays: tuple[Holiday, ...] = ()


class WorkingClock(Protocol):
    """What an SLA's deadlines are counted in."""

    def add(self, start: datetime, seconds: float) -> datetime:
        """The instant at which `seconds` of working time after `start` have passed."""
        ...

    def between(self, start: datetime, end: datetime) -> float:
        """The working seconds from `start` to `end` (0 when `end` is not after `start`)."""
        ...


def utc_instant(moment: datetime) -> datetime:
    """`moment` in UTC; a naive datetime names no instant, so it is refused."""
    if moment.utcoffset() is None:
        raise ValueError(f"a timezone-aware datetime is needed, got {moment!r}")
    return moment.astimezone(UTC)


def working_duration(seconds: float) -> timedelta:
    """`seconds` to add, refused when negative or not finite (a deadline before its start means a bug)."""
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"working seconds must be a non-negative number, got {seconds!r}")
    return timedelta(seconds=seconds)


class WallClock:
    """Continuous time: every second counts, nights, weekends and holidays included."""

    def add(self, start: datetime, seconds: float) -> datetime:
        return utc_instant(start) + working_duration(seconds)

    def between(self, start: datetime, end: datetime) -> float:
        return max(0.0, (utc_instant(end) - utc_instant(start)).total_seconds())


WALL_CLOCK = WallClock()
