"""HTTP for templates: anyone in the module reads them (the Template Picker); tickets_manage_templates
edits them."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from helpdesk_common.auth import Operator
from helpdesk_common.db import Session
from helpdesk_common.inputs import QueryText
from ticketing.access import ticket_access
from ticketing.templates import service
from ticketing.templates.schemas import (
    TemplateCreate,
    TemplateOut,
    TemplateSummary,
    TemplateType,
    TemplateUpdate,
)

router = APIRouter(prefix="/templates", tags=["templates"])
Reader = Annotated[Operator, Depends(ticket_access())]
Manager = Annotated[Operator, Depends(ticket_access("tickets_manage_templates"))]


@router.get("")
async def list_templates(
    operator: Reader,
    session: Session,
    type: Annotated[TemplateType | None, Query(description="email or ticket")] = None,
    search: Annotated[QueryText, Query(max_length=200, description="In name and subject.")] = None,
) -> list[TemplateSummary]:
    return await service.list_templates(session, template_type=type, search=search)


@router.post("", status_code=201)
async def create_template(data: TemplateCreate, operator: Manager, session: Session) -> TemplateOut:
    created = await service.create_template(session, actor=operator, data=data)
    await session.commit()
    return created


@router.get("/{template_id}")
async def read_template(template_id: uuid.UUID, operator: Reader, session: Session) -> TemplateOut:
    return await service.get_template(session, template_id=template_id)


@router.patch("/{template_id}")
async def change_template(
    template_id: uuid.UUID, data: TemplateUpdate, operator: Manager, session: Session
) -> TemplateOut:
    changed = await service.change_template(session, template_id=template_id, data=data)
    await session.commit()
    return changed


@router.delete("/{template_id}", status_code=204)
async def delete_template(template_id: uuid.UUID, operator: Manager, session: Session) -> None:
    await service.remove_template(session, template_id=template_id)
    await session.commit()
