"""HTTP for the incident record: read with `incidents.view` (or manage), every change with
`incidents.manage`."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from helpdesk_common.clock import Now
from helpdesk_common.contracts.itsm import IncidentPriority, IncidentStatus
from helpdesk_common.db import Session
from helpdesk_common.errors import ValidationFailed
from helpdesk_common.http.openapi import problem
from helpdesk_common.inputs import QueryText
from itsm.access import IncidentManager, IncidentReader
from itsm.incidents import bulk, service
from itsm.incidents.schemas import (
    AcknowledgeIn,
    AssignIn,
    BulkIn,
    BulkOut,
    EscalateIn,
    IncidentCreate,
    IncidentOut,
    IncidentPage,
    IncidentUpdate,
    ReopenIn,
    ResolveIn,
)
from itsm.timeline import service as timeline
from itsm.timeline.schemas import TimelineEntry

router = APIRouter(prefix="/incidents", tags=["incidents"])
# What acknowledge, escalate, resolve and reopen answer for an incident whose status does not allow it.
STATE_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: problem("The incident's status does not allow this (`detail` says which it is).")
}


@router.get("")
async def list_incidents(
    operator: IncidentReader,
    session: Session,
    status: Annotated[list[IncidentStatus] | None, Query()] = None,
    priority: Annotated[list[IncidentPriority] | None, Query()] = None,
    assignee_id: uuid.UUID | None = None,
    assignment_group_id: uuid.UUID | None = None,
    unassigned: bool = False,
    source: Annotated[QueryText, Query(max_length=64)] = None,
    search: Annotated[QueryText, Query(max_length=200, description="In number, title and host.")] = None,
    cursor: Annotated[QueryText, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> IncidentPage:
    """Newest first."""
    filters = service.list_filters(
        statuses=list(status or []),
        priorities=list(priority or []),
        assignee_id=assignee_id,
        assignment_group_id=assignment_group_id,
        unassigned=unassigned,
        source=source,
        search=search,
    )
    items, last, counts = await service.list_page(
        session, filters=filters, after=_cursor(cursor), limit=limit
    )
    return IncidentPage(items=items, next_cursor=_encode(last), counts=counts)  # type: ignore[arg-type]


@router.post("", status_code=201)
async def create_incident(
    data: IncidentCreate, operator: IncidentManager, session: Session, now: Now
) -> IncidentOut:
    created = await service.create(session, operator, data, now=now)
    await session.commit()
    return created


@router.post("/bulk")
async def bulk_action(data: BulkIn, operator: IncidentManager, session: Session, now: Now) -> BulkOut:
    """Each incident that cannot take the action is skipped with its reason."""
    result = await bulk.apply(session, operator, data, now=now)
    await session.commit()
    return result


@router.get("/{incident_id}")
async def read_incident(incident_id: uuid.UUID, operator: IncidentReader, session: Session) -> IncidentOut:
    return await service.get(session, incident_id)


@router.patch("/{incident_id}")
async def update_incident(
    incident_id: uuid.UUID, data: IncidentUpdate, operator: IncidentManager, session: Session, now: Now
) -> IncidentOut:
    updated = await service.update_incident(session, operator, incident_id, data, now=now)
    await session.commit()
    return updated


@router.post("/{incident_id}/assign")
async def assign_incident(
    incident_id: uuid.UUID, data: AssignIn, operator: IncidentManager, session: Session, now: Now
) -> IncidentOut:
    """All fields null unassigns."""
    assigned = await service.assign(session, operator, incident_id, data, now=now)
    await session.commit()
    return assigned


@router.post("/{incident_id}/acknowledge", responses=STATE_CONFLICT)
async def acknowledge_incident(
    incident_id: uuid.UUID, data: AcknowledgeIn, operator: IncidentManager, session: Session, now: Now
) -> IncidentOut:
    """409 for an incident already acknowledged, resolved or closed."""
    done = await service.acknowledge(session, incident_id, actor=operator, now=now, note=data.note)
    await session.commit()
    return done


@router.post("/{incident_id}/escalate", responses=STATE_CONFLICT)
async def escalate_incident(
    incident_id: uuid.UUID, data: EscalateIn, operator: IncidentManager, session: Session, now: Now
) -> IncidentOut:
    done = await service.escalate(session, incident_id, actor=operator, reason=data.reason, now=now)
    await session.commit()
    return done


@router.post("/{incident_id}/resolve", responses=STATE_CONFLICT)
async def resolve_incident(
    incident_id: uuid.UUID, data: ResolveIn, operator: IncidentManager, session: Session, now: Now
) -> IncidentOut:
    done = await service.resolve(
        session, incident_id, actor=operator, code=data.resolution_code, notes=data.resolution_notes, now=now
    )
    await session.commit()
    return done


@router.post("/{incident_id}/reopen", responses=STATE_CONFLICT)
async def reopen_incident(
    incident_id: uuid.UUID, data: ReopenIn, operator: IncidentManager, session: Session, now: Now
) -> IncidentOut:
    done = await service.reopen(session, operator, incident_id, notes=data.notes, now=now)
    await session.commit()
    return done


@router.get("/{incident_id}/timeline")
async def read_timeline(
    incident_id: uuid.UUID,
    operator: IncidentReader,
    session: Session,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[TimelineEntry]:
    """The newest `limit` entries, oldest first."""
    await service.get(session, incident_id)
    return await timeline.read(session, incident_id, limit=limit)


def _encode(last: tuple[datetime, uuid.UUID] | None) -> str | None:
    if last is None:
        return None
    return base64.urlsafe_b64encode(f"{last[0].isoformat()}|{last[1]}".encode()).decode()


def _cursor(value: str | None) -> tuple[datetime, uuid.UUID] | None:
    if not value:
        return None
    try:
        at, incident_id = base64.urlsafe_b64decode(value.encode()).decode().split("|")
        return datetime.fromisoformat(at), uuid.UUID(incident_id)
    except (ValueError, UnicodeDecodeError) as error:
        raise ValidationFailed("cursor", "Not a cursor this list gave.") from error
