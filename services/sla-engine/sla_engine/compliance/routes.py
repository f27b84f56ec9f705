"""HTTP for SLA compliance (issue 18): the statistics page's read, behind tickets_view_statistics and
department visibility as on the queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from helpdesk_common.db import Session
from helpdesk_common.errors import ValidationFailed
from sla_engine.access import StatisticsReader
from sla_engine.compliance import service
from sla_engine.compliance.schemas import ComplianceReport

router = APIRouter(prefix="/compliance", tags=["SLA compliance"])
DEFAULT_RANGE = timedelta(days=30)
# A year and a day: a calendar year whatever its length; wider ranges are several reads.
LONGEST_RANGE = timedelta(days=367)


@router.get("")
async def read_compliance(
    operator: StatisticsReader,
    session: Session,
    since: Annotated[
        datetime | None,
        Query(description="Tickets created from this moment; 30 days before `until` if left out."),
    ] = None,
    until: Annotated[
        datetime | None, Query(description="Tickets created before this moment; now if left out.")
    ] = None,
) -> ComplianceReport:
    now = datetime.now(UTC)
    end = _aware(until, "until") or now
    start = _aware(since, "since") or end - DEFAULT_RANGE
    if start >= end:
        raise ValidationFailed("since", "since must be before until.")
    if end - start > LONGEST_RANGE:
        raise ValidationFailed("since", "The range may span at most 367 days.")
    return await service.compliance(session, operator, since=start, until=end, now=now)


def _aware(moment: datetime | None, field: str) -> datetime | None:
    """A moment without its offset would mean a different time in every zone."""
    if moment is not None and moment.tzinfo is None:
        raise ValidationFailed(field, f"{field} needs a time zone offset, e.g. 2026-01-01T00:00:00Z.")
    return moment
