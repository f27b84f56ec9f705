"""HTTP for alert sources and their integration keys, all with `itsm.settings.manage`."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from helpdesk_common.clock import Now
from helpdesk_common.db import Session
from itsm.access import ItsmAdministrator
from itsm.sources import service
from itsm.sources.schemas import KeyOut, NewKeyOut, NewSourceOut, SourceIn, SourceOut, SourceUpdate

router = APIRouter(prefix="/alert-sources", tags=["alert sources"])


@router.get("")
async def list_sources(operator: ItsmAdministrator, session: Session) -> list[SourceOut]:
    return await service.list_sources(session)


@router.post("", status_code=201)
async def create_source(data: SourceIn, operator: ItsmAdministrator, session: Session) -> NewSourceOut:
    """With its first key, whose secret this answer alone carries."""
    created = await service.create_source(session, operator, data)
    await session.commit()
    return created


@router.patch("/{source_id}")
async def update_source(
    source_id: uuid.UUID, data: SourceUpdate, operator: ItsmAdministrator, session: Session
) -> SourceOut:
    updated = await service.update_source(session, source_id, data)
    await session.commit()
    return updated


@router.delete("/{source_id}", status_code=204)
async def delete_source(source_id: uuid.UUID, operator: ItsmAdministrator, session: Session) -> Response:
    await service.delete_source(session, source_id)
    await session.commit()
    return Response(status_code=204)


@router.post("/{source_id}/keys", status_code=201)
async def add_key(source_id: uuid.UUID, operator: ItsmAdministrator, session: Session) -> NewKeyOut:
    """A further key (to rotate: add one, move the producer to it, revoke the old)."""
    key = await service.add_key(session, operator, source_id)
    await session.commit()
    return key


@router.delete("/{source_id}/keys/{key_id}")
async def revoke_key(
    source_id: uuid.UUID, key_id: uuid.UUID, operator: ItsmAdministrator, session: Session, now: Now
) -> KeyOut:
    """Refused from the next alert on."""
    key = await service.revoke_key(session, source_id, key_id, now=now)
    await session.commit()
    return key
