"""HTTP for the SLA definitions as ITSM keeps them: what the settings' and host groups' pickers offer
and what an incident's SLA is called. Read by any ITSM reader (`incidents.view`, `incidents.manage` or
`itsm.settings.manage`); they are the SLA engine's to change."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import select

from helpdesk_common.db import Session
from itsm.access import SettingsReader
from itsm.tables import sla_definitions

router = APIRouter(prefix="/sla-definitions", tags=["sla definitions"])


class SlaDefinitionOut(BaseModel):
    id: uuid.UUID
    name: str
    response_hours: int | None
    resolution_hours: int | None
    removed: bool = Field(description="Removed by the SLA engine: no new incident is given it.")


@router.get("")
async def list_sla_definitions(operator: SettingsReader, session: Session) -> list[SlaDefinitionOut]:
    """By name, the removed ones too: an incident or a setting may still name one."""
    query = select(sla_definitions).order_by(sla_definitions.c.name, sla_definitions.c.id)
    rows = await session.execute(query)
    return [SlaDefinitionOut.model_validate(row, from_attributes=True) for row in rows]
