"""Bodies of the business calendars API: a calendar with its weekly working hours, and its holidays."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from itertools import pairwise
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, ValidationInfo, field_validator

from helpdesk_common.inputs import (
    CLOCK_END_PATTERN,
    CLOCK_TIME_PATTERN,
    Day,
    NotNull,
    RequestModel,
    TimeZone,
)

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# Several split shifts a day on every day of the week, with room to spare.
MAX_PERIODS = 100

Name = Annotated[str, Field(min_length=1, max_length=200)]
Description = Annotated[str, Field(max_length=4000)]
Weekday = Annotated[int, Field(strict=True, ge=0, le=6, description="0 is Monday, 6 is Sunday.")]
Start = Annotated[
    str, Field(pattern=CLOCK_TIME_PATTERN, description="Local time, HH:MM.", examples=["09:00"])
]
End = Annotated[
    str,
    Field(pattern=CLOCK_END_PATTERN, description="Local time, HH:MM; 24:00 is midnight at the day's end."),
]

# The date type under a name of its own: the holiday's field is called `date`.
CalendarDate = date
Recurring = Annotated[bool, Field(strict=True, description="Every year on the same month and day.")]


def minutes(clock: str) -> int:
    hours, mins = clock.split(":")
    return int(hours) * 60 + int(mins)


def clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


class WorkingPeriodIn(RequestModel):
    """A stretch of working hours on one weekday; one past midnight is two, one on each day."""

    weekday: Weekday
    start: Start
    end: End

    @field_validator("end")
    @classmethod
    def _after_start(cls, value: str, info: ValidationInfo) -> str:
        start = info.data.get("start")
        if start is not None and minutes(value) <= minutes(start):
            raise ValueError(
                f"must be after the start ({start}); a period past midnight is two, one each day"
            )
        return value


def _without_overlaps(periods: list[WorkingPeriodIn]) -> list[WorkingPeriodIn]:
    ordered = sorted(periods, key=lambda period: (period.weekday, minutes(period.start)))
    for earlier, later in pairwise(ordered):
        if earlier.weekday == later.weekday and minutes(later.start) < minutes(earlier.end):
            raise ValueError(
                f"{WEEKDAYS[later.weekday]} {later.start}-{later.end} overlaps "
                f"{WEEKDAYS[earlier.weekday]} {earlier.start}-{earlier.end}"
            )
    return periods


WorkingHours = Annotated[
    list[WorkingPeriodIn],
    Field(
        min_length=1,
        max_length=MAX_PERIODS,
        description="The weekly working hours, at least one period (without any, no deadline is ever "
        "reached); periods of one weekday may touch but not overlap.",
    ),
    AfterValidator(_without_overlaps),
]


class CalendarCreate(RequestModel):
    name: Name
    time_zone: TimeZone
    description: Description = ""
    working_hours: WorkingHours


class CalendarUpdate(RequestModel):
    """Only the fields sent change; `working_hours`, when sent, replaces them all. None of them is ever
    null."""

    name: Annotated[Name | None, NotNull] = None
    time_zone: Annotated[TimeZone | None, NotNull] = None
    description: Annotated[Description | None, NotNull] = None
    working_hours: Annotated[WorkingHours | None, NotNull] = None


class WorkingPeriodOut(BaseModel):
    weekday: int
    start: str
    end: str


class CalendarOut(BaseModel):
    id: uuid.UUID
    name: str
    time_zone: str
    description: str
    working_hours: list[WorkingPeriodOut]
    created_at: datetime
    updated_at: datetime


HOLIDAY_DATE_HELP = (
    "YYYY-MM-DD. A recurring holiday counts every year on this month and day (29 February only in leap "
    "years). No two holidays of a calendar may fall on the same day of any year."
)

ENTERED_HELP = "As entered; for a recurring holiday, the year it was entered with."


class HolidayCreate(RequestModel):
    date: Day = Field(description=HOLIDAY_DATE_HELP)
    recurring: Recurring = False
    name: Name


class HolidayUpdate(RequestModel):
    """Only the fields sent change; none of them is ever null."""

    date: Annotated[Day | None, NotNull] = Field(default=None, description=HOLIDAY_DATE_HELP)
    recurring: Annotated[Recurring | None, NotNull] = None
    name: Annotated[Name | None, NotNull] = None


class HolidayOut(BaseModel):
    id: uuid.UUID
    date: CalendarDate = Field(description=ENTERED_HELP)
    recurring: bool
    name: str
    month: int = Field(ge=1, le=12)
    day: int = Field(ge=1, le=31)
