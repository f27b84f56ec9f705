"""HTTP for departments: every module user reads them (pickers); tickets_manage_departments edits."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from helpdesk_common.auth import Operator
from helpdesk_common.db import Session
from ticketing.access import ticket_access
from ticketing.departments.schemas import DepartmentCreate, DepartmentOut, DepartmentUpdate
from ticketing.departments.service import (
    create_department,
    delete_department,
    get_department,
    list_departments,
    update_department,
)

router = APIRouter(prefix="/departments", tags=["departments"])
Reader = Annotated[Operator, Depends(ticket_access())]
Manager = Annotated[Operator, Depends(ticket_access("tickets_manage_departments"))]


@router.get("")
async def list_(operator: Reader, session: Session) -> list[DepartmentOut]:
    return await list_departments(session)


@router.post("", status_code=201)
async def create(data: DepartmentCreate, operator: Manager, session: Session) -> DepartmentOut:
    created = await create_department(session, data=data)
    await session.commit()
    return created


@router.get("/{department_id}")
async def read(department_id: uuid.UUID, operator: Reader, session: Session) -> DepartmentOut:
    return await get_department(session, department_id)


@router.patch("/{department_id}")
async def edit(
    department_id: uuid.UUID, data: DepartmentUpdate, operator: Manager, session: Session
) -> DepartmentOut:
    changed = await update_department(session, department_id=department_id, data=data)
    await session.commit()
    return changed


@router.delete("/{department_id}", status_code=204)
async def remove(department_id: uuid.UUID, operator: Manager, session: Session) -> None:
    await delete_department(session, department_id=department_id)
    await session.commit()
