"""Business-time arithmetic, pure: deadlines over weekends, one-off and recurring holidays, both DST
changes in Berlin and in New York, zones without DST, split and overlapping shifts, boundaries and
deadlines inside the skipped hour, the wall clock and the refusals. Every expected instant is worked out
by hand and written in UTC."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

import pytest

from sla_engine.calendars.business_clock import BusinessClock, NoWorkingTime
from sla_engine.calendars.business_time import (
    WALL_CLOCK,
    BusinessCalendar,
    Holiday,
    WorkingClock,
    WorkingPeriod,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
KOLKATA = ZoneInfo("Asia/Kolkata")
MINUTE = 60
HOUR = 3600
NINE_TO_FIVE = (time(9), time(17))


def weekdays(*shifts: tuple[time, time]) -> tuple[WorkingPeriod, ...]:
    return tuple(WorkingPeriod(weekday, start, end) for weekday in range(5) for start, end in shifts)


def every_day(start: time, end: time) -> tuple[WorkingPeriod, ...]:
    return tuple(WorkingPeriod(weekday, start, end) for weekday in range(7))


def clock(
    time_zone: str, periods: tuple[WorkingPeriod, ...], holidays: tuple[Holiday, ...] = ()
) -> BusinessClock:
    return BusinessClock(BusinessCalendar(time_zone, periods, holidays))


def in_zone(zone: tzinfo) -> Callable[..., datetime]:
    def moment(
        year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, microsecond: int = 0
    ) -> datetime:
        return datetime(year, month, day, hour, minute, second, microsecond, tzinfo=zone)

    return moment


utc = in_zone(UTC)
berlin = in_zone(BERLIN)
new_york = in_zone(NEW_YORK)
tokyo = in_zone(TOKYO)
kolkata = in_zone(KOLKATA)

HOLIDAYS = (
    Holiday(date(2000, 1, 1), recurring=True, name="New Year's Day"),
    Holiday(date(2000, 12, 25), recurring=True, name="Christmas Day"),
    Holiday(date(2028, 2, 29), recurring=True, name="Leap day"),
    Holiday(date(2026, 5, 14), name="Ascension Day 2026"),
)
BERLIN_OFFICE = clock("Europe/Berlin", weekdays(NINE_TO_FIVE), HOLIDAYS)
BERLIN_WEEKDAYS = clock("Europe/Berlin", weekdays(NINE_TO_FIVE))
NEW_YORK_OFFICE = clock("America/New_York", weekdays(NINE_TO_FIVE))
TOKYO_OFFICE = clock("Asia/Tokyo", weekdays(NINE_TO_FIVE))
KOLKATA_SPLIT_SHIFT = clock("Asia/Kolkata", weekdays((time(8), time(12)), (time(13), time(17))))
BERLIN_NIGHTS = clock("Europe/Berlin", every_day(time(1), time(5)))
NEW_YORK_NIGHTS = clock("America/New_York", every_day(time(1), time(5)))
BERLIN_ALWAYS = clock("Europe/Berlin", every_day(time(0), time(0)))
NEW_YORK_ALWAYS = clock("America/New_York", every_day(time(0), time(0)))
# Sunday periods with a boundary inside the hour Berlin skips or repeats on its DST Sundays.
BERLIN_SUNDAY_SMALL_HOURS = clock("Europe/Berlin", (WorkingPeriod(6, time(2, 30), time(4)),))
BERLIN_SUNDAY_EARLY_HOURS = clock("Europe/Berlin", (WorkingPeriod(6, time(1), time(2, 30)),))
TOKYO_OVERLAPPING_MONDAY = clock(
    "Asia/Tokyo",
    (
        WorkingPeriod(0, time(9), time(13)),
        WorkingPeriod(0, time(11), time(17)),
        WorkingPeriod(0, time(10), time(12)),
    ),
)

ADD_CASES: list[tuple[str, WorkingClock, datetime, float, datetime]] = [
    ("berlin-within-a-day", BERLIN_OFFICE, berlin(2026, 1, 13, 10), 2 * HOUR, utc(2026, 1, 13, 11)),
    ("berlin-ends-at-closing", BERLIN_OFFICE, berlin(2026, 1, 13, 9), 8 * HOUR, utc(2026, 1, 13, 16)),
    ("berlin-over-a-weekend", BERLIN_OFFICE, berlin(2026, 1, 16, 16), 3 * HOUR, utc(2026, 1, 19, 10)),
    ("berlin-from-the-evening", BERLIN_OFFICE, berlin(2026, 1, 13, 20), HOUR, utc(2026, 1, 14, 9)),
    ("berlin-before-opening", BERLIN_OFFICE, berlin(2026, 1, 13, 7), HOUR, utc(2026, 1, 13, 9)),
    ("berlin-from-a-saturday", BERLIN_OFFICE, berlin(2026, 1, 17, 12), 8 * HOUR, utc(2026, 1, 19, 16)),
    # 04:00 in New York is 10:00 in Berlin.
    ("berlin-start-elsewhere", BERLIN_OFFICE, new_york(2026, 1, 13, 4), 2 * HOUR, utc(2026, 1, 13, 11)),
    (
        "berlin-fraction",
        BERLIN_OFFICE,
        berlin(2026, 1, 13, 16, 59, 59),
        1.5,
        utc(2026, 1, 14, 8, 0, 0, 500000),
    ),
    ("berlin-over-a-holiday", BERLIN_OFFICE, berlin(2026, 5, 13, 16), 2 * HOUR, utc(2026, 5, 15, 8)),
    ("berlin-from-a-holiday", BERLIN_OFFICE, berlin(2026, 5, 14, 11), HOUR, utc(2026, 5, 15, 8)),
    ("berlin-one-off-not-again", BERLIN_OFFICE, berlin(2027, 5, 13, 16), 2 * HOUR, utc(2027, 5, 14, 8)),
    ("berlin-christmas-2026", BERLIN_OFFICE, berlin(2026, 12, 24, 16), 2 * HOUR, utc(2026, 12, 28, 9)),
    ("berlin-new-year-2027", BERLIN_OFFICE, berlin(2026, 12, 31, 16, 30), HOUR, utc(2027, 1, 4, 8, 30)),
    ("berlin-christmas-2028", BERLIN_OFFICE, berlin(2028, 12, 22, 16), 2 * HOUR, utc(2028, 12, 26, 9)),
    ("berlin-leap-day-2028", BERLIN_OFFICE, berlin(2028, 2, 28, 16), 2 * HOUR, utc(2028, 3, 1, 9)),
    ("berlin-no-leap-day-2027", BERLIN_OFFICE, berlin(2027, 2, 26, 16), 2 * HOUR, utc(2027, 3, 1, 9)),
    ("berlin-spring-forward", BERLIN_OFFICE, berlin(2026, 3, 27, 16), 2 * HOUR, utc(2026, 3, 30, 8)),
    ("berlin-fall-back", BERLIN_OFFICE, berlin(2026, 10, 23, 16), 2 * HOUR, utc(2026, 10, 26, 9)),
    ("berlin-mid-march-winter", BERLIN_OFFICE, berlin(2026, 3, 16, 16), 2 * HOUR, utc(2026, 3, 17, 9)),
    ("ny-spring-forward", NEW_YORK_OFFICE, new_york(2026, 3, 6, 16), 2 * HOUR, utc(2026, 3, 9, 14)),
    ("ny-fall-back", NEW_YORK_OFFICE, new_york(2026, 10, 30, 16), 2 * HOUR, utc(2026, 11, 2, 15)),
    ("ny-mid-march-summer", NEW_YORK_OFFICE, new_york(2026, 3, 16, 16), 2 * HOUR, utc(2026, 3, 17, 14)),
    ("ny-late-october", NEW_YORK_OFFICE, new_york(2026, 10, 26, 16), 2 * HOUR, utc(2026, 10, 27, 14)),
    ("tokyo-over-a-weekend", TOKYO_OFFICE, tokyo(2026, 3, 27, 15), 4 * HOUR, utc(2026, 3, 30, 2)),
    ("kolkata-lunch", KOLKATA_SPLIT_SHIFT, kolkata(2026, 2, 2, 11), 2 * HOUR, utc(2026, 2, 2, 8, 30)),
    ("kolkata-at-lunch", KOLKATA_SPLIT_SHIFT, kolkata(2026, 2, 2, 12, 30), 30 * MINUTE, utc(2026, 2, 2, 8)),
    ("kolkata-overnight", KOLKATA_SPLIT_SHIFT, kolkata(2026, 2, 2, 16), 3 * HOUR, utc(2026, 2, 3, 4, 30)),
    # 01:00 CET to 05:00 CEST: three real hours.
    ("berlin-short-night", BERLIN_NIGHTS, berlin(2026, 3, 29, 1), 3 * HOUR, utc(2026, 3, 29, 3)),
    ("berlin-next-night", BERLIN_NIGHTS, berlin(2026, 3, 29, 1), 3 * HOUR + MINUTE, utc(2026, 3, 29, 23, 1)),
    # 01:00 CEST (23:00 UTC the day before) to 05:00 CET: five real hours.
    ("berlin-long-night", BERLIN_NIGHTS, berlin(2026, 10, 25, 1), 5 * HOUR, utc(2026, 10, 25, 4)),
    ("ny-short-night", NEW_YORK_NIGHTS, new_york(2026, 3, 8, 1), 3 * HOUR, utc(2026, 3, 8, 9)),
    # 01:00 is repeated in New York that night; the period starts at its first occurrence, 01:00 EDT.
    ("ny-long-night", NEW_YORK_NIGHTS, utc(2026, 10, 31, 12), 5 * HOUR, utc(2026, 11, 1, 10)),
    # Three weeks of nights hold 83 hours when one is the spring-forward night: the 84th is on 6 April.
    ("berlin-nights-for-weeks", BERLIN_NIGHTS, berlin(2026, 3, 16), 84 * HOUR, utc(2026, 4, 6)),
    # 1 March 23:00 UTC plus 35 days of real time.
    ("always-into-summer", BERLIN_ALWAYS, berlin(2026, 3, 2), 35 * 24 * HOUR, utc(2026, 4, 5, 23)),
    # 01:30 CET plus 45 minutes is 03:15 CEST, never the nonexistent 02:15.
    ("berlin-in-gap", BERLIN_ALWAYS, berlin(2026, 3, 29, 1, 30), 45 * MINUTE, utc(2026, 3, 29, 1, 15)),
    ("ny-in-gap", NEW_YORK_ALWAYS, new_york(2026, 3, 8, 1, 30), 45 * MINUTE, utc(2026, 3, 8, 7, 15)),
    ("berlin-repeat", BERLIN_ALWAYS, berlin(2026, 10, 25, 1, 30), 2 * HOUR, utc(2026, 10, 25, 1, 30)),
    # 02:30 does not exist on 29 March: the period starts at 03:00 CEST.
    (
        "start-in-gap",
        BERLIN_SUNDAY_SMALL_HOURS,
        berlin(2026, 3, 28, 12),
        30 * MINUTE,
        utc(2026, 3, 29, 1, 30),
    ),
    # 02:30 happens twice on 25 October: the period starts at the first, 02:30 CEST.
    (
        "start-in-repeat",
        BERLIN_SUNDAY_SMALL_HOURS,
        berlin(2026, 10, 24, 12),
        MINUTE,
        utc(2026, 10, 25, 0, 31),
    ),
    ("overlaps-once", TOKYO_OVERLAPPING_MONDAY, tokyo(2026, 1, 5, 9), 8 * HOUR, utc(2026, 1, 5, 8)),
    (
        "overlaps-next",
        TOKYO_OVERLAPPING_MONDAY,
        tokyo(2026, 1, 5, 9),
        8 * HOUR + 1,
        utc(2026, 1, 12, 0, 0, 1),
    ),
    ("zero-is-the-start", BERLIN_OFFICE, berlin(2026, 1, 17, 12), 0, utc(2026, 1, 17, 11)),
    # 87,600 working hours of 40 a week: 2190 weeks, ending on the Friday 2189 weeks and 4 days later.
    ("tokyo-87600-hours", TOKYO_OFFICE, tokyo(2026, 1, 5, 9), 87_600 * HOUR, utc(2067, 12, 23, 8)),
    ("berlin-87600-hours", BERLIN_WEEKDAYS, berlin(2026, 1, 5, 9), 87_600 * HOUR, utc(2067, 12, 23, 16)),
    # Round the clock, 3650 days from 1 January 2026 00:00 CET (two leap days in between).
    ("always-87600-hours", BERLIN_ALWAYS, berlin(2026, 1, 1), 87_600 * HOUR, utc(2035, 12, 29, 23)),
    ("wall-in-gap", WALL_CLOCK, berlin(2026, 3, 29, 1, 30), 45 * MINUTE, utc(2026, 3, 29, 1, 15)),
    ("wall-over-a-weekend", WALL_CLOCK, berlin(2026, 1, 16, 16), 3 * 24 * HOUR, utc(2026, 1, 19, 15)),
]


@pytest.mark.parametrize(
    ("working_clock", "start", "seconds", "deadline"),
    [case[1:] for case in ADD_CASES],
    ids=[case[0] for case in ADD_CASES],
)
def test_add_reaches_the_deadline(
    working_clock: WorkingClock, start: datetime, seconds: float, deadline: datetime
) -> None:
    reached = working_clock.add(start, seconds)
    assert reached == deadline
    assert reached.tzinfo is UTC


BETWEEN_CASES: list[tuple[str, WorkingClock, datetime, datetime, float]] = [
    ("berlin-a-week", BERLIN_OFFICE, berlin(2026, 1, 12), berlin(2026, 1, 19), 40 * HOUR),
    ("berlin-holiday-week", BERLIN_OFFICE, berlin(2026, 5, 11), berlin(2026, 5, 18), 32 * HOUR),
    ("berlin-part", BERLIN_OFFICE, berlin(2026, 1, 13, 12), berlin(2026, 1, 13, 13, 30), 90 * MINUTE),
    ("berlin-spring", BERLIN_OFFICE, berlin(2026, 3, 27, 16), berlin(2026, 3, 30, 10), 2 * HOUR),
    # 261 weekdays in 2026, three of them holidays (1 January, 14 May, 25 December).
    ("berlin-2026", BERLIN_OFFICE, berlin(2026, 1, 1), berlin(2027, 1, 1), 258 * 8 * HOUR),
    ("berlin-short-night", BERLIN_NIGHTS, berlin(2026, 3, 29), berlin(2026, 3, 30), 3 * HOUR),
    ("berlin-long-night", BERLIN_NIGHTS, berlin(2026, 10, 25), berlin(2026, 10, 26), 5 * HOUR),
    ("ny-short-night", NEW_YORK_NIGHTS, new_york(2026, 3, 8), new_york(2026, 3, 9), 3 * HOUR),
    ("ny-long-night", NEW_YORK_NIGHTS, new_york(2026, 11, 1), new_york(2026, 11, 2), 5 * HOUR),
    ("berlin-nights-spring-weeks", BERLIN_NIGHTS, berlin(2026, 3, 16), berlin(2026, 4, 6), 83 * HOUR),
    ("berlin-nights-autumn-weeks", BERLIN_NIGHTS, berlin(2026, 10, 19), berlin(2026, 11, 9), 85 * HOUR),
    # 03:00 to 04:00 CEST; then the first 02:30 CEST to 04:00 CET.
    ("start-in-gap", BERLIN_SUNDAY_SMALL_HOURS, berlin(2026, 3, 29), berlin(2026, 3, 30), HOUR),
    ("start-in-repeat", BERLIN_SUNDAY_SMALL_HOURS, berlin(2026, 10, 25), berlin(2026, 10, 26), 150 * MINUTE),
    # 01:00 CET to 03:00 CEST; then 01:00 CEST to the first 02:30 CEST.
    ("end-in-gap", BERLIN_SUNDAY_EARLY_HOURS, berlin(2026, 3, 29), berlin(2026, 3, 30), HOUR),
    ("end-repeat", BERLIN_SUNDAY_EARLY_HOURS, berlin(2026, 10, 25), berlin(2026, 10, 26), 90 * MINUTE),
    ("overlaps-once", TOKYO_OVERLAPPING_MONDAY, tokyo(2026, 1, 5), tokyo(2026, 1, 6), 8 * HOUR),
    ("kolkata-a-day", KOLKATA_SPLIT_SHIFT, kolkata(2026, 2, 2), kolkata(2026, 2, 3), 8 * HOUR),
    ("end-before-start", BERLIN_OFFICE, berlin(2026, 1, 19), berlin(2026, 1, 12), 0),
    ("berlin-87600-hours", BERLIN_WEEKDAYS, berlin(2026, 1, 5, 9), berlin(2067, 12, 23, 17), 87_600 * HOUR),
    # 00:00 EST is 05:00 UTC, 04:00 EDT is 08:00 UTC.
    ("wall-short-night", WALL_CLOCK, new_york(2026, 3, 8), new_york(2026, 3, 8, 4), 3 * HOUR),
    ("wall-end-before-start", WALL_CLOCK, new_york(2026, 3, 8, 4), new_york(2026, 3, 8), 0),
]


@pytest.mark.parametrize(
    ("working_clock", "start", "end", "seconds"),
    [case[1:] for case in BETWEEN_CASES],
    ids=[case[0] for case in BETWEEN_CASES],
)
def test_between_counts_the_working_seconds(
    working_clock: WorkingClock, start: datetime, end: datetime, seconds: float
) -> None:
    assert working_clock.between(start, end) == seconds


# Around both DST changes in both zones, a holiday and a weekend, at and off working hours.
SAMPLE_STARTS = [
    utc(2026, 3, 6, 20, 17),
    utc(2026, 3, 8, 6, 45),
    utc(2026, 3, 27, 15, 59, 59),
    utc(2026, 3, 29, 0, 30),
    utc(2026, 5, 13, 14),
    utc(2026, 10, 24, 23, 30),
    utc(2026, 10, 25, 0, 45),
    utc(2026, 10, 31, 4, 10),
    utc(2026, 11, 1, 5, 30),
    utc(2026, 12, 24, 22),
]
SAMPLE_SECONDS = [1, 59 * MINUTE, 3 * HOUR + 17, 8 * HOUR, 3 * 24 * HOUR, 1000 * HOUR]


@pytest.mark.parametrize(
    "working_clock",
    [
        pytest.param(BERLIN_OFFICE, id="berlin-office"),
        pytest.param(NEW_YORK_OFFICE, id="new-york-office"),
        pytest.param(KOLKATA_SPLIT_SHIFT, id="kolkata-split-shift"),
        pytest.param(BERLIN_NIGHTS, id="berlin-nights"),
        pytest.param(NEW_YORK_NIGHTS, id="new-york-nights"),
        pytest.param(BERLIN_SUNDAY_SMALL_HOURS, id="berlin-sunday-small-hours"),
        pytest.param(NEW_YORK_ALWAYS, id="new-york-always"),
        pytest.param(WALL_CLOCK, id="wall-clock"),
    ],
)
def test_between_is_the_inverse_of_add(working_clock: WorkingClock) -> None:
    for start in SAMPLE_STARTS:
        for seconds in SAMPLE_SECONDS:
            assert working_clock.between(start, working_clock.add(start, seconds)) == seconds, (
                start,
                seconds,
            )


@pytest.mark.parametrize("working_clock", [BERLIN_OFFICE, WALL_CLOCK], ids=["business", "wall"])
def test_a_naive_datetime_is_refused(working_clock: WorkingClock) -> None:
    naive = datetime(2026, 1, 13, 10)
    with pytest.raises(ValueError, match="timezone-aware"):
        working_clock.add(naive, HOUR)
    with pytest.raises(ValueError, match="timezone-aware"):
        working_clock.between(naive, berlin(2026, 1, 14))
    with pytest.raises(ValueError, match="timezone-aware"):
        working_clock.between(berlin(2026, 1, 12), naive)


@pytest.mark.parametrize("working_clock", [BERLIN_OFFICE, WALL_CLOCK], ids=["business", "wall"])
@pytest.mark.parametrize("seconds", [-1, float("nan"), float("inf")])
def test_negative_or_endless_seconds_are_refused(working_clock: WorkingClock, seconds: float) -> None:
    with pytest.raises(ValueError, match="non-negative"):
        working_clock.add(berlin(2026, 1, 13, 10), seconds)


def test_a_calendar_without_working_periods_reaches_no_deadline() -> None:
    idle = clock("Europe/Berlin", ())
    with pytest.raises(NoWorkingTime):
        idle.add(berlin(2026, 1, 13, 10), MINUTE)
    assert idle.add(berlin(2026, 1, 13, 10), 0) == utc(2026, 1, 13, 9)
    assert idle.between(berlin(2026, 1, 1), berlin(2036, 1, 1)) == 0


def test_a_calendar_whose_every_day_is_a_holiday_reaches_no_deadline() -> None:
    every_date_of_a_leap_year = [date(2028, 1, 1) + timedelta(days=day) for day in range(366)]
    holidays = tuple(Holiday(day, recurring=True) for day in every_date_of_a_leap_year)
    always_closed = clock("Asia/Tokyo", every_day(time(0), time(0)), holidays)
    with pytest.raises(NoWorkingTime):
        always_closed.add(tokyo(2026, 6, 1), HOUR)
    assert always_closed.between(tokyo(2026, 1, 1), tokyo(2030, 1, 1)) == 0


@pytest.mark.parametrize(
    "period",
    [
        pytest.param(WorkingPeriod(7, time(9), time(17)), id="weekday-out-of-range"),
        pytest.param(WorkingPeriod(0, time(17), time(9)), id="ends-before-it-starts"),
        pytest.param(WorkingPeriod(0, time(9), time(9)), id="empty"),
        pytest.param(WorkingPeriod(0, time(9, tzinfo=UTC), time(17)), id="own-time-zone"),
    ],
)
def test_a_malformed_working_period_is_refused(period: WorkingPeriod) -> None:
    with pytest.raises(ValueError):
        clock("Europe/Berlin", (period,))
