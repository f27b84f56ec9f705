"""HTTP for assignment groups (the teams an incident can be assigned to): read with `incidents.view`,
created, renamed and deleted with `itsm.settings.manage`. Members and on-call come with a later issue."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from helpdesk_common.db import Session
from helpdesk_common.errors import NotFound, ValidationFailed
from helpdesk_common.inputs import RequestModel
from itsm.access import ItsmAdministrator, SettingsReader
from itsm.tables import assignment_groups

router = APIRouter(prefix="/assignment-groups", tags=["assignment groups"])


class GroupIn(RequestModel):
    name: Annotated[str, Field(min_length=1, max_length=120)]
    description: Annotated[str, Field(max_length=2000)] = ""


class GroupOut(BaseModel):
    id: uuid.UUID
    name: str
    description: str


@router.get("")
async def list_groups(operator: SettingsReader, session: Session) -> list[GroupOut]:
    rows = await session.execute(select(assignment_groups).order_by(assignment_groups.c.name))
    return [GroupOut.model_validate(row, from_attributes=True) for row in rows]


@router.post("", status_code=201)
async def create_group(data: GroupIn, operator: ItsmAdministrator, session: Session) -> GroupOut:
    try:
        row = (
            await session.execute(
                assignment_groups.insert()
                .values(id=uuid.uuid4(), **data.model_dump())
                .returning(*assignment_groups.c)
            )
        ).one()
        await session.commit()
    except IntegrityError as error:
        raise ValidationFailed("name", f"A group named '{data.name}' exists.") from error
    return GroupOut.model_validate(row, from_attributes=True)


@router.put("/{group_id}")
async def save_group(
    group_id: uuid.UUID, data: GroupIn, operator: ItsmAdministrator, session: Session
) -> GroupOut:
    try:
        row = (
            await session.execute(
                update(assignment_groups)
                .where(assignment_groups.c.id == group_id)
                .values(**data.model_dump())
                .returning(*assignment_groups.c)
            )
        ).first()
        await session.commit()
    except IntegrityError as error:
        raise ValidationFailed("name", f"A group named '{data.name}' exists.") from error
    if row is None:
        raise NotFound(f"There is no assignment group {group_id}.")
    return GroupOut.model_validate(row, from_attributes=True)


@router.delete("/{group_id}", status_code=204)
async def delete_group(group_id: uuid.UUID, operator: ItsmAdministrator, session: Session) -> Response:
    """Incidents it held keep the reference as history; nothing new can be assigned to it."""
    done = await session.execute(
        delete(assignment_groups).where(assignment_groups.c.id == group_id).returning(assignment_groups.c.id)
    )
    if done.first() is None:
        raise NotFound(f"There is no assignment group {group_id}.")
    await session.commit()
    return Response(status_code=204)
