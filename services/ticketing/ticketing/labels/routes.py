"""HTTP for labels and types: anyone in the module reads them; tickets_manage_labels_types edits."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from helpdesk_common.auth import Operator
from helpdesk_common.db import Session
from ticketing.access import ticket_access
from ticketing.labels import service
from ticketing.labels.schemas import LabelCreate, LabelOut, LabelUpdate, TypeCreate, TypeOut, TypeUpdate

router = APIRouter(tags=["labels and types"])
Reader = Annotated[Operator, Depends(ticket_access())]
Manager = Annotated[Operator, Depends(ticket_access("tickets_manage_labels_types"))]


@router.get("/labels")
async def list_labels(operator: Reader, session: Session) -> list[LabelOut]:
    return await service.list_all(session, LabelOut)


@router.post("/labels", status_code=201)
async def create_label(data: LabelCreate, operator: Manager, session: Session) -> LabelOut:
    created = await service.create(session, LabelOut, data.model_dump())
    await session.commit()
    return created


@router.patch("/labels/{label_id}")
async def change_label(
    label_id: uuid.UUID, data: LabelUpdate, operator: Manager, session: Session
) -> LabelOut:
    changed = await service.change(session, LabelOut, label_id, data.model_dump(exclude_unset=True))
    await session.commit()
    return changed


@router.delete("/labels/{label_id}", status_code=204)
async def delete_label(label_id: uuid.UUID, operator: Manager, session: Session) -> None:
    await service.remove(session, LabelOut, label_id)
    await session.commit()


@router.get("/types")
async def list_types(operator: Reader, session: Session) -> list[TypeOut]:
    return await service.list_all(session, TypeOut)


@router.post("/types", status_code=201)
async def create_type(data: TypeCreate, operator: Manager, session: Session) -> TypeOut:
    created = await service.create(session, TypeOut, data.model_dump())
    await session.commit()
    return created


@router.patch("/types/{type_id}")
async def change_type(type_id: uuid.UUID, data: TypeUpdate, operator: Manager, session: Session) -> TypeOut:
    changed = await service.change(session, TypeOut, type_id, data.model_dump(exclude_unset=True))
    await session.commit()
    return changed


@router.delete("/types/{type_id}", status_code=204)
async def delete_type(type_id: uuid.UUID, operator: Manager, session: Session) -> None:
    await service.remove(session, TypeOut, type_id)
    await session.commit()
