"""The rules for templates: bodies stored sanitised with a plain-text fallback, hard deletes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.auth import Operator
from helpdesk_common.bodies import render_body
from helpdesk_common.errors import NotFound, ValidationFailed
from ticketing.tables.templates import templates
from ticketing.templates.schemas import (
    TemplateCreate,
    TemplateOut,
    TemplateSummary,
    TemplateType,
    TemplateUpdate,
)

_SUMMARY_COLUMNS = (
    templates.c.id,
    templates.c.name,
    templates.c.kind.label("type"),
    templates.c.subject,
    templates.c.author_id,
    templates.c.author_name,
    templates.c.created_at,
    templates.c.updated_at,
)


async def create_template(session: AsyncSession, *, actor: Operator, data: TemplateCreate) -> TemplateOut:
    body = render_body(data.body, data.body_format)
    template_id = uuid.uuid4()
    await session.execute(
        insert(templates).values(
            id=template_id,
            name=data.name,
            kind=data.type,
            subject=data.subject,
            body_html=body.html,
            body_text=body.text,
            author_id=actor.id,
            author_name=actor.username,
        )
    )
    return await get_template(session, template_id=template_id)


async def change_template(
    session: AsyncSession, *, template_id: uuid.UUID, data: TemplateUpdate
) -> TemplateOut:
    await get_template(session, template_id=template_id)
    values: dict[str, Any] = data.model_dump(exclude_unset=True, exclude={"type", "body", "body_format"})
    if data.type is not None:
        values["kind"] = data.type
    if data.body is not None:
        if data.body_format is None:
            raise ValidationFailed(
                "body_format", "A new body needs its body_format (html, rich_text, plain_text)."
            )
        body = render_body(data.body, data.body_format)
        values.update(body_html=body.html, body_text=body.text)
    elif data.body_format is not None:
        raise ValidationFailed("body", "A body_format applies to a new body; send the body with it.")
    if values:
        await session.execute(
            update(templates)
            .where(templates.c.id == template_id)
            .values(**values, updated_at=datetime.now(UTC))
        )
    return await get_template(session, template_id=template_id)


async def remove_template(session: AsyncSession, *, template_id: uuid.UUID) -> None:
    deleted = await session.execute(
        delete(templates).where(templates.c.id == template_id).returning(templates.c.id)
    )
    if deleted.first() is None:
        raise NotFound(f"The template {template_id} does not exist.")


async def get_template(session: AsyncSession, *, template_id: uuid.UUID) -> TemplateOut:
    query = select(*_SUMMARY_COLUMNS, templates.c.body_html, templates.c.body_text).where(
        templates.c.id == template_id
    )
    row = (await session.execute(query)).first()
    if row is None:
        raise NotFound(f"The template {template_id} does not exist.")
    return TemplateOut.model_validate(row, from_attributes=True)


async def list_templates(
    session: AsyncSession, *, template_type: TemplateType | None = None, search: str | None = None
) -> list[TemplateSummary]:
    query: Select[Any] = select(*_SUMMARY_COLUMNS)
    if template_type is not None:
        query = query.where(templates.c.kind == template_type)
    if search and search.strip():
        pattern = "%" + _escape_like(search.strip()) + "%"
        query = query.where(
            or_(templates.c.name.ilike(pattern, escape="\\"), templates.c.subject.ilike(pattern, escape="\\"))
        )
    rows = await session.execute(query.order_by(func.lower(templates.c.name), templates.c.id))
    return [TemplateSummary.model_validate(row, from_attributes=True) for row in rows]


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
