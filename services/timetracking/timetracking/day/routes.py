"""HTTP for the Time Tracking page (seed 10.8, /tickets/time-tracking): one local day's entries;
tickets_view_time_tracking behind the Ticket System's gate."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query

from helpdesk_common.clock import Now
from helpdesk_common.db import Session
from timetracking.access import DayReader
from timetracking.day import service
from timetracking.day.schemas import DayOut, DayQuery

router = APIRouter(prefix="/entries", tags=["day calendar"])


@router.get("/day")
async def read_day(
    operator: DayReader, session: Session, now: Now, query: Annotated[DayQuery, Query()]
) -> DayOut:
    return await service.read_day(
        session, operator=operator, day=query.date, zone=ZoneInfo(query.time_zone), now=now
    )
