"""HTTP for an incident's Time tab and the incident report: the entries with their totals, a manual
booking, a deletion (the entries' own rules, on an incident time tracking has heard of), behind ITSM's
flags rather than the Ticket System's gate."""

from __future__ import annotations

import uuid
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query

from helpdesk_common.clock import Now
from helpdesk_common.db import Session
from timetracking.access import IncidentManager, IncidentReader
from timetracking.entries import service
from timetracking.entries.schemas import EntriesOut, EntriesQuery, EntryIn, EntryOut
from timetracking.incidents.report import incident_report
from timetracking.incidents.schemas import IncidentReport
from timetracking.reports.schemas import ReportQuery
from timetracking.reports.service import report_days
from timetracking.work_items import known_incident

router = APIRouter(prefix="/incidents", tags=["incident time"])


@router.get("/report", response_model_by_alias=True)
async def report(
    operator: IncidentReader, session: Session, query: Annotated[ReportQuery, Query()]
) -> IncidentReport:
    """Booked time per incident and per operator over the local days `from` to `to` (at most 366)."""
    first, last = report_days(query)
    return await incident_report(session, first=first, last=last, zone=ZoneInfo(query.time_zone))


@router.get("/{incident_id}/entries")
async def list_entries(
    incident_id: uuid.UUID,
    operator: IncidentReader,
    session: Session,
    now: Now,
    query: Annotated[EntriesQuery, Query()],
) -> EntriesOut:
    incident = await known_incident(session, incident_id)
    return await service.list_entries(
        session, operator=operator, item=incident, zone=ZoneInfo(query.time_zone), now=now
    )


@router.post("/{incident_id}/entries", status_code=201)
async def book_entry(
    incident_id: uuid.UUID, data: EntryIn, operator: IncidentManager, session: Session, now: Now
) -> EntryOut:
    """Not rounded: an incident has no department whose step would apply."""
    incident = await known_incident(session, incident_id)
    booked = await service.book(session, operator=operator, item=incident, data=data, now=now)
    await session.commit()
    return booked


@router.delete("/{incident_id}/entries/{entry_id}", status_code=204)
async def delete_entry(
    incident_id: uuid.UUID, entry_id: uuid.UUID, operator: IncidentManager, session: Session, now: Now
) -> None:
    """Their own entries, or anyone's with tickets_manage_time_entries (no timer runs on an incident, so
    none of its entries is ever running)."""
    incident = await known_incident(session, incident_id)
    await service.delete_entry(session, operator=operator, item=incident, entry_id=entry_id, now=now)
    await session.commit()
