"""Bulk acknowledge or resolve (seed "Bulk Incident Actions"): each incident on its own savepoint, so
one that cannot take the action is skipped with its reason and the rest go on; the comment is
appended to each affected incident's notes; the answer counts affected against requested."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.auth import Operator
from helpdesk_common.errors import HelpdeskError
from itsm.incidents import service
from itsm.incidents.schemas import BulkIn, BulkOut, BulkSkipped
from itsm.notes.service import add_note


async def apply(session: AsyncSession, operator: Operator, data: BulkIn, *, now: datetime) -> BulkOut:
    affected: list[uuid.UUID] = []
    skipped: list[BulkSkipped] = []
    for incident_id in dict.fromkeys(data.incident_ids):
        try:
            async with session.begin_nested():
                await _one(session, operator, incident_id, data, now=now)
                if data.comment:
                    await add_note(session, incident_id, author=operator, body=data.comment, at=now)
        except HelpdeskError as error:
            skipped.append(BulkSkipped(id=incident_id, reason=error.detail))
            continue
        affected.append(incident_id)
    return BulkOut(
        requested=len(data.incident_ids), affected=len(affected), affected_ids=affected, skipped=skipped
    )


async def _one(
    session: AsyncSession, operator: Operator, incident_id: uuid.UUID, data: BulkIn, *, now: datetime
) -> None:
    if data.action == "acknowledge":
        await service.acknowledge(session, incident_id, actor=operator, now=now)
    else:
        await service.resolve(
            session, incident_id, actor=operator, code=data.resolution_code, notes=data.comment, now=now
        )
