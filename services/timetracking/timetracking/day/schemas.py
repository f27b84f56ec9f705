"""The day calendar's read: the local day's bounds (23 or 25 hours when the clocks change) and every
entry that overlaps it, in the operator's time zone."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from helpdesk_common.inputs import Day, RequestModel, TimeZone
from timetracking.entries.schemas import ZONE_HELP, EntryOut

LocalDate = date


class DayQuery(RequestModel):
    # A query string may carry what the read does not use (a cache buster).
    model_config = ConfigDict(extra="ignore")

    date: Day = Field(description="The local day, YYYY-MM-DD.")
    time_zone: TimeZone = Field(default="UTC", description=ZONE_HELP)


class DayEntry(EntryOut):
    ticket_number: str
    ticket_title: str


class DayOut(BaseModel):
    date: LocalDate
    time_zone: str
    day_start: datetime = Field(description="The local midnight starting the day.")
    day_end: datetime = Field(description="The local midnight ending it.")
    hours: float = Field(description="24, or 23 or 25 on a day the clocks change (23.5 in a few zones).")
    entries: list[DayEntry] = Field(
        description="Every entry overlapping the day on tickets the operator can see, by start; one that "
        "starts the day before or ends the day after keeps its own times (clip it to the day's bounds)."
    )
