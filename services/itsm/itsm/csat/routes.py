"""HTTP for incident CSAT: read, submit and report with `incidents.view` or `incidents.manage` (the
people who worked or watched the incident give the feedback until a customer portal does)."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter

from helpdesk_common.clock import Now
from helpdesk_common.db import Session
from helpdesk_common.http.openapi import problem
from itsm.access import IncidentReader
from itsm.csat import service
from itsm.csat.schemas import CsatIn, CsatReport, IncidentCsat

router = APIRouter(tags=["incident csat"])


@router.get("/incidents/{incident_id}/csat")
async def read_csat(incident_id: uuid.UUID, operator: IncidentReader, session: Session) -> IncidentCsat:
    return await service.read(session, incident_id)


@router.put(
    "/incidents/{incident_id}/csat",
    responses={409: problem("The incident is neither resolved nor closed: CSAT is not open yet.")},
)
async def submit_csat(
    incident_id: uuid.UUID, data: CsatIn, operator: IncidentReader, session: Session, now: Now
) -> IncidentCsat:
    """409 until the incident is resolved or closed; a second submission replaces the first."""
    answer = await service.submit(session, operator, incident_id, data, now=now)
    await session.commit()
    return answer


@router.get("/csat/report")
async def csat_report(
    operator: IncidentReader, session: Session, since: datetime | None = None, until: datetime | None = None
) -> CsatReport:
    """Responses last submitted from `since` (inclusive) to `until` (exclusive), lowest average first."""
    return await service.report(session, since=since, until=until)
