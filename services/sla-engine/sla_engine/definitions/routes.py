"""HTTP for SLA definitions (seed 10.15): list, create, read, change, delete; tickets_manage_sla."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from helpdesk_common.db import Session
from sla_engine.access import SlaManager
from sla_engine.definitions import service
from sla_engine.definitions.schemas import SlaDefinitionCreate, SlaDefinitionOut, SlaDefinitionUpdate

router = APIRouter(prefix="/definitions", tags=["SLA definitions"])


@router.get("")
async def list_definitions(operator: SlaManager, session: Session) -> list[SlaDefinitionOut]:
    return await service.list_definitions(session)


@router.post("", status_code=201)
async def create_definition(
    data: SlaDefinitionCreate, operator: SlaManager, session: Session
) -> SlaDefinitionOut:
    created = await service.create_definition(session, data=data)
    await session.commit()
    return created


@router.get("/{definition_id}")
async def read_definition(
    definition_id: uuid.UUID, operator: SlaManager, session: Session
) -> SlaDefinitionOut:
    return await service.read_definition(session, definition_id)


@router.patch("/{definition_id}")
async def update_definition(
    definition_id: uuid.UUID, data: SlaDefinitionUpdate, operator: SlaManager, session: Session
) -> SlaDefinitionOut:
    changed = await service.update_definition(session, definition_id=definition_id, data=data)
    await session.commit()
    return changed


@router.delete("/{definition_id}", status_code=204)
async def delete_definition(definition_id: uuid.UUID, operator: SlaManager, session: Session) -> None:
    await service.delete_definition(session, definition_id=definition_id)
    await session.commit()
