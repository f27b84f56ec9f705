"""HTTP for an incident's notes: read with `incidents.view`, write with `incidents.manage`; editing or
deleting another's note needs `itsm.settings.manage` (notes/service.py)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from helpdesk_common.clock import Now
from helpdesk_common.db import Session
from itsm.access import IncidentManager, IncidentReader
from itsm.incidents import store
from itsm.notes import service
from itsm.notes.schemas import NoteIn, NoteOut

router = APIRouter(prefix="/incidents/{incident_id}/notes", tags=["incident notes"])


@router.get("")
async def list_notes(incident_id: uuid.UUID, operator: IncidentReader, session: Session) -> list[NoteOut]:
    await store.load(session, incident_id)
    return await service.list_notes(session, incident_id)


@router.post("", status_code=201)
async def add_note(
    incident_id: uuid.UUID, data: NoteIn, operator: IncidentManager, session: Session, now: Now
) -> NoteOut:
    await store.load(session, incident_id)
    note = await service.add_note(session, incident_id, author=operator, body=data.body, at=now)
    await session.commit()
    return note


@router.put("/{note_id}")
async def edit_note(
    incident_id: uuid.UUID,
    note_id: uuid.UUID,
    data: NoteIn,
    operator: IncidentManager,
    session: Session,
    now: Now,
) -> NoteOut:
    note = await service.edit_note(session, operator, incident_id, note_id, body=data.body, at=now)
    await session.commit()
    return note


@router.delete("/{note_id}", status_code=204)
async def delete_note(
    incident_id: uuid.UUID, note_id: uuid.UUID, operator: IncidentManager, session: Session
) -> Response:
    await service.delete_note(session, operator, incident_id, note_id)
    await session.commit()
    return Response(status_code=204)
