"""Bodies of a work item's entries (a ticket's, an incident's): a manual booking as the Add Entry form
holds it (a date, a start and an end on the 24-hour clock, in the operator's time zone), and entries as
the tab's table shows them, with their totals split into billable and non-billable time."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from helpdesk_common.contracts.time import EntryOrigin, WorkItemKind
from helpdesk_common.inputs import CLOCK_END_PATTERN, CLOCK_TIME_PATTERN, Day, RequestModel, TimeZone

LocalDate = date
ZONE_HELP = "The IANA time zone the date and times are in (and answered in); UTC if left out."


def _clock(pattern: str, what: str) -> AfterValidator:
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if compiled.fullmatch(value) is None:
            raise ValueError(f"{what} is a time as HH:MM on the 24-hour clock, such as 09:30")
        return value

    return AfterValidator(check)


Start = Annotated[
    str,
    Field(max_length=5, json_schema_extra={"pattern": CLOCK_TIME_PATTERN}, examples=["09:00"]),
    _clock(CLOCK_TIME_PATTERN, "The start"),
]
End = Annotated[
    str,
    Field(
        max_length=5,
        description="After the start, on the same date; 24:00 is the midnight ending the date.",
        json_schema_extra={"pattern": CLOCK_END_PATTERN},
        examples=["10:30"],
    ),
    _clock(CLOCK_END_PATTERN, "The end"),
]


class EntryIn(RequestModel):
    """A manual entry. A local time the zone skips (clocks put forward) is refused; one it repeats
    (clocks put back) is its first occurrence."""

    date: Day = Field(description="YYYY-MM-DD, at most tomorrow in the time zone.")
    start: Start
    end: End
    time_zone: TimeZone = Field(default="UTC", description=ZONE_HELP)
    notes: str = Field(default="", max_length=4000)
    billable: bool = Field(default=True, strict=True)


class EntriesQuery(RequestModel):
    # A query string may carry what the read does not use (a cache buster).
    model_config = ConfigDict(extra="ignore")

    time_zone: TimeZone = Field(default="UTC", description=ZONE_HELP)


class EntryOut(BaseModel):
    id: uuid.UUID
    work_item_kind: WorkItemKind
    work_item_id: uuid.UUID
    user_id: uuid.UUID
    username: str
    origin: EntryOrigin
    billable: bool
    notes: str
    started_at: datetime
    ended_at: datetime | None = Field(description="Null while its timer runs.")
    date: LocalDate = Field(description="The local date of the start.")
    start: str = Field(description="Local start, HH:MM.")
    end: str | None = Field(description="Local end, HH:MM (null while running).")
    duration_seconds: int = Field(description="Exact; for a running entry, so far.")
    rounded_seconds: int | None = Field(
        description="By the ticket's department's rounding step and mode when it was booked (an "
        "incident's: the exact duration); null while running."
    )
    running: bool
    deletable: bool = Field(description="Whether the operator asking may delete it (a running one: no).")
    created_at: datetime


class Seconds(BaseModel):
    raw_seconds: int
    rounded_seconds: int


class Totals(Seconds):
    billable: Seconds = Field(description="Of the entries booked as billable.")
    non_billable: Seconds = Field(description="Of the entries booked as not billable.")


class EntriesOut(BaseModel):
    time_zone: str
    entries: list[EntryOut] = Field(description="Oldest first.")
    totals: Totals = Field(description="Of the booked entries (a running one counts once it is closed).")
