"""HTTP for the hours report (the statistics page reads it): tickets_view_statistics or
tickets_view_time_tracking behind the Ticket System's gate, department visibility as on the queue."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query

from helpdesk_common.db import Session
from helpdesk_common.errors import ValidationFailed
from timetracking.access import ReportReader
from timetracking.local_time import check_day
from timetracking.reports import service
from timetracking.reports.schemas import HoursReport, ReportQuery

router = APIRouter(prefix="/reports", tags=["time reports"])
# A leap year, whole: wider ranges are several reads.
LONGEST_RANGE_DAYS = 366


@router.get("/hours", response_model_by_alias=True)
async def hours(
    operator: ReportReader, session: Session, query: Annotated[ReportQuery, Query()]
) -> HoursReport:
    first, last = check_day(query.from_, "from"), check_day(query.to, "to")
    if first > last:
        raise ValidationFailed("to", f"The range ends ({last}) before it starts ({first}).")
    if last - first >= timedelta(days=LONGEST_RANGE_DAYS):
        raise ValidationFailed("to", f"The range may span at most {LONGEST_RANGE_DAYS} days.")
    return await service.hours_report(
        session, operator=operator, first=first, last=last, zone=ZoneInfo(query.time_zone)
    )
