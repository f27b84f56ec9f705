"""Local dates and clock times in an IANA zone, as operators type and read them: a local time that the
zone skips (the hour clocks are put forward) does not exist and is refused; one the zone repeats (the
hour clocks are put back) is its first occurrence; a day is from one local midnight to the next, so it
has 23 or 25 hours when the clocks change within it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from helpdesk_common.errors import ValidationFailed

# The dates any read or booking may name: far enough either way, and safe for the arithmetic of every
# zone (a local midnight of year 1 falls before the first instant Python can hold).
EARLIEST_DAY = date(1970, 1, 1)
LATEST_DAY = date(2999, 12, 31)


def check_day(day: date, field: str) -> date:
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise ValidationFailed(field, f"Dates run from {EARLIEST_DAY} to {LATEST_DAY}.")
    return day


def local_instant(day: date, clock: str, zone: ZoneInfo, *, field: str) -> datetime:
    """The instant a local HH:MM (24:00: the next midnight) names on `day`; a skipped time is a 422
    under `field`, a repeated one its first occurrence (fold 0)."""
    hours, minutes = (int(part) for part in clock.split(":"))
    wall_day = day + timedelta(days=1) if hours == 24 else day
    wall = datetime.combine(wall_day, time(hours % 24, minutes), tzinfo=zone)
    instant = wall.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != wall.replace(tzinfo=None):
        skipped = wall.utcoffset() or timedelta(0)
        after = wall.replace(fold=1).utcoffset() or timedelta(0)
        gap = int(abs((skipped - after).total_seconds()) // 60)
        raise ValidationFailed(
            field,
            f"{clock} does not exist on {day} in {zone.key}: the clocks go forward by {gap} minutes then.",
        )
    return instant


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants of the local midnight starting `day` and of the one ending it. A midnight the zone
    skips (some change their clocks at 00:00) is the first instant of the day all the same."""
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return start, end


def local_date(instant: datetime, zone: ZoneInfo) -> date:
    return instant.astimezone(zone).date()


def local_clock(instant: datetime, zone: ZoneInfo) -> str:
    """HH:MM on the 24-hour clock (seconds dropped)."""
    return instant.astimezone(zone).strftime("%H:%M")


def tomorrow(now: datetime, zone: ZoneInfo) -> date:
    return local_date(now, zone) + timedelta(days=1)
