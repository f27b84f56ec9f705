"""HTTP for the operators an incident may be assigned to: ITSM's own copy, the one `assign` checks
against, so the picker offers exactly the ids the write accepts (ticketing's directory needs the
Ticket System's flag, which an incidents-only operator does not hold)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import or_, select

from helpdesk_common.db import Session
from helpdesk_common.inputs import QueryText
from itsm.access import SettingsReader
from itsm.tables import operators

router = APIRouter(prefix="/operators", tags=["operators"])


class OperatorOut(BaseModel):
    id: uuid.UUID
    username: str
    display_name: str


@router.get("")
async def list_operators(
    operator: SettingsReader,
    session: Session,
    search: Annotated[QueryText, Query(max_length=200, description="In username and display name.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[OperatorOut]:
    """Active operators, by username."""
    query = select(operators).where(operators.c.active).order_by(operators.c.username).limit(limit)
    if search:
        pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(operators.c.username.ilike(pattern), operators.c.display_name.ilike(pattern)))
    return [OperatorOut.model_validate(row, from_attributes=True) for row in await session.execute(query)]
