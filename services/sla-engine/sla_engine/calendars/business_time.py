"""Working time as an SLA counts it: continuous wall-clock time by default, or the weekly working hours
of a business calendar in an IANA time zone, without its holidays. Pure functions of their inputs, so
the engine's consumers, its sweep and its tests compute the same deadlines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
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
