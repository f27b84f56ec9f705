"""HTTP for the hours report (the statistics page reads it): tickets_view_statistics or
tickets_view_time_tracking behind the Ticket System's gate, department visibility as on the queue."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query

from helpdesk_common.db import Session
from timetracking.access import ReportReader
from timetracking.reports import service
from timetracking.reports.schemas import HoursReport, ReportQuery

router = APIRouter(prefix="/reports", tags=["time reports"])


@router.get("/hours", response_model_by_alias=True)
async def hours(
    operator: ReportReader, session: Session, query: Annotated[ReportQuery, Query()]
) -> HoursReport:
    first, last = service.report_days(query)
    return await service.hours_report(
        session, operator=operator, first=first, last=last, zone=ZoneInfo(query.time_zone)
    )
