"""Incident notes (seed "Incident Notes"): anyone who manages incidents adds one; only its author or an
ITSM administrator edits or deletes it. Time entries and CSAT are kept elsewhere and are not notes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.auth import Operator
from helpdesk_common.errors import Forbidden, NotFound
from itsm.access import is_administrator
from itsm.notes.schemas import NoteOut
from itsm.tables import incident_notes, incident_timeline


class NoteNotFound(NotFound):
    problem_type = "urn:helpdesk:problem:note-not-found"


async def add_note(
    session: AsyncSession, incident_id: uuid.UUID, *, author: Operator | None, body: str, at: datetime
) -> NoteOut:
    row = (
        await session.execute(
            incident_notes.insert()
            .values(
                id=uuid.uuid4(),
                incident_id=incident_id,
                author_id=author.id if author else None,
                author_name=author.username if author else None,
                body=body,
                created_at=at,
                updated_at=at,
            )
            .returning(*incident_notes.c)
        )
    ).one()
    await session.execute(
        incident_timeline.insert().values(
            incident_id=incident_id,
            at=at,
            kind="note",
            actor_id=author.id if author else None,
            actor_name=author.username if author else None,
            summary=body[:500],
            details={"note_id": str(row.id)},
        )
    )
    return NoteOut.model_validate(row, from_attributes=True)


async def list_notes(session: AsyncSession, incident_id: uuid.UUID) -> list[NoteOut]:
    query = (
        select(incident_notes)
        .where(incident_notes.c.incident_id == incident_id)
        .order_by(incident_notes.c.created_at, incident_notes.c.id)
    )
    return [NoteOut.model_validate(row, from_attributes=True) for row in await session.execute(query)]


async def edit_note(
    session: AsyncSession,
    operator: Operator,
    incident_id: uuid.UUID,
    note_id: uuid.UUID,
    *,
    body: str,
    at: datetime,
) -> NoteOut:
    await _editable(session, operator, incident_id, note_id)
    row = (
        await session.execute(
            update(incident_notes)
            .where(incident_notes.c.id == note_id)
            .values(body=body, updated_at=at)
            .returning(*incident_notes.c)
        )
    ).one()
    return NoteOut.model_validate(row, from_attributes=True)


async def delete_note(
    session: AsyncSession, operator: Operator, incident_id: uuid.UUID, note_id: uuid.UUID
) -> None:
    await _editable(session, operator, incident_id, note_id)
    await session.execute(delete(incident_notes).where(incident_notes.c.id == note_id))


async def _editable(
    session: AsyncSession, operator: Operator, incident_id: uuid.UUID, note_id: uuid.UUID
) -> Any:
    query = (
        select(incident_notes)
        .where(incident_notes.c.id == note_id, incident_notes.c.incident_id == incident_id)
        .with_for_update()
    )
    row = (await session.execute(query)).first()
    if row is None:
        raise NoteNotFound(f"The incident has no note {note_id}.")
    if row.author_id != operator.id and not is_administrator(operator):
        raise Forbidden("Only the note's author or an ITSM administrator may change or delete it.")
    return row
