"""Incident CSAT (seed "Incident CSAT"): only on a resolved or closed incident; one response per actor,
a second submission replacing the first; summaries of average, count and breakdown."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.auth import Operator
from helpdesk_common.errors import Conflict
from itsm.csat.schemas import CsatIn, CsatReport, CsatReportRow, CsatResponse, CsatSummary, IncidentCsat
from itsm.incidents import store
from itsm.tables import csat_responses, incidents

_RESPONSIVE = ("resolved", "closed")


class CsatNotOpen(Conflict):
    problem_type = "urn:helpdesk:problem:csat-not-open"


async def read(session: AsyncSession, incident_id: uuid.UUID) -> IncidentCsat:
    incident = await store.load(session, incident_id)
    query = (
        select(csat_responses)
        .where(csat_responses.c.incident_id == incident_id)
        .order_by(csat_responses.c.updated_at.desc())
    )
    responses = [
        CsatResponse.model_validate(row, from_attributes=True) for row in await session.execute(query)
    ]
    return IncidentCsat(
        summary=_summary([each.rating for each in responses]),
        responses=responses,
        open_for_responses=incident.status in _RESPONSIVE,
    )


async def submit(
    session: AsyncSession, operator: Operator, incident_id: uuid.UUID, data: CsatIn, *, now: datetime
) -> IncidentCsat:
    incident = await store.load(session, incident_id)
    if incident.status not in _RESPONSIVE:
        raise CsatNotOpen(
            f"{incident.number} is {incident.status}: CSAT opens once it is resolved or closed."
        )
    values = {
        "rating": data.rating,
        "comment": data.comment,
        "actor_name": operator.username,
        "updated_at": now,
    }
    await session.execute(
        insert(csat_responses)
        .values(id=uuid.uuid4(), incident_id=incident_id, actor_id=operator.id, created_at=now, **values)
        .on_conflict_do_update(index_elements=["incident_id", "actor_id"], set_=values)
    )
    return await read(session, incident_id)


async def report(session: AsyncSession, *, since: datetime | None, until: datetime | None) -> CsatReport:
    """Responses last submitted in [since, until)."""
    c = csat_responses.c
    period = [
        clause
        for clause in (c.updated_at >= since if since else None, c.updated_at < until if until else None)
        if clause is not None
    ]
    ratings = [row[0] for row in await session.execute(select(c.rating).where(*period))]
    per_incident = (
        select(
            incidents.c.id,
            incidents.c.number,
            incidents.c.title,
            func.avg(c.rating).label("average"),
            func.count().label("responses"),
        )
        .select_from(csat_responses.join(incidents, incidents.c.id == c.incident_id))
        .where(*period)
        .group_by(incidents.c.id)
        .order_by(func.avg(c.rating), incidents.c.number)
    )
    rows = [
        CsatReportRow(
            incident_id=row.id,
            number=row.number,
            title=row.title,
            average=round(float(row.average), 2),
            count=row.responses,
        )
        for row in await session.execute(per_incident)
    ]
    return CsatReport(summary=_summary(ratings), incidents=rows)


def _summary(ratings: list[Any]) -> CsatSummary:
    breakdown = {str(rating): 0 for rating in range(1, 6)}
    for rating in ratings:
        breakdown[str(rating)] += 1
    average = round(sum(ratings) / len(ratings), 2) if ratings else None
    return CsatSummary(average=average, count=len(ratings), breakdown=breakdown)
