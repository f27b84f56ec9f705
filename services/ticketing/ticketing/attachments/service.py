"""The rules for attachments: size limit, blocked extensions, metadata beside the stored bytes."""

from __future__ import annotations

import mimetypes
import uuid
from datetime import datetime
from pathlib import PurePosixPath
from typing import IO, Literal

from pydantic import BaseModel, Field
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.attachment_store import AttachmentStorage
from helpdesk_common.auth import Operator
from helpdesk_common.errors import NotFound, PayloadTooLarge, ValidationFailed
from helpdesk_common.files import extension_of, is_blocked, safe_file_name
from ticketing.tables.attachments import attachments
from ticketing.tables.comments import comments
from ticketing.tables.settings import module_settings
from ticketing.tickets.reading import find_ticket

TEXT_EXTENSIONS = frozenset({".txt", ".log", ".json", ".xml", ".csv"})


class AttachmentOut(BaseModel):
    id: uuid.UUID
    name: str
    size: int
    content_type: str
    origin: Literal["upload", "email", "comment"]
    uploaded_by_name: str
    created_at: datetime
    viewable_as_text: bool
    comment_id: uuid.UUID | None = Field(
        description="The comment it came with (an operator's comment or an inbound e-mail), if any."
    )


def viewable_as_text(name: str, content_type: str) -> bool:
    return PurePosixPath(name.lower()).suffix in TEXT_EXTENSIONS or content_type.startswith("text/")


async def add_upload(
    session: AsyncSession,
    storage: AttachmentStorage,
    *,
    operator: Operator,
    number: str,
    file_name: str | None,
    content_type: str | None,
    data: IO[bytes],
    size: int,
    max_bytes: int,
    comment_id: uuid.UUID | None = None,
) -> AttachmentOut:
    row = await find_ticket(session, operator, number)
    name = safe_file_name(file_name)
    if comment_id is not None:
        await _require_comment(session, ticket_id=row.id, comment_id=comment_id)
    if size > max_bytes:
        raise PayloadTooLarge(f"{name} is {size} bytes; attachments may be at most {max_bytes} bytes.")
    blocked = (await session.execute(select(module_settings.c.blocked_extensions))).scalar_one()
    if is_blocked(name, blocked):
        raise ValidationFailed("file", f"Files ending in {extension_of(name)} are blocked.")
    attachment_id = uuid.uuid4()
    object_name = f"{row.id}/{attachment_id}"
    await storage.put(object_name, data)
    await session.execute(
        insert(attachments).values(
            id=attachment_id,
            ticket_id=row.id,
            name=name,
            size=size,
            content_type=_content_type(name, content_type),
            object_name=object_name,
            origin="upload" if comment_id is None else "comment",
            comment_id=comment_id,
            uploaded_by_id=operator.id,
            uploaded_by_name=operator.username,
        )
    )
    return await get_attachment(session, operator=operator, number=number, attachment_id=attachment_id)


async def _require_comment(session: AsyncSession, *, ticket_id: uuid.UUID, comment_id: uuid.UUID) -> None:
    found = await session.execute(
        select(comments.c.id).where(comments.c.id == comment_id, comments.c.ticket_id == ticket_id)
    )
    if found.first() is None:
        raise ValidationFailed("comment_id", "This ticket has no such comment.")


async def list_attachments(session: AsyncSession, *, operator: Operator, number: str) -> list[AttachmentOut]:
    row = await find_ticket(session, operator, number)
    found = await session.execute(
        select(attachments).where(attachments.c.ticket_id == row.id).order_by(attachments.c.created_at)
    )
    return [_out(item) for item in found]


async def get_attachment(
    session: AsyncSession, *, operator: Operator, number: str, attachment_id: uuid.UUID
) -> AttachmentOut:
    return _out(
        await stored_attachment(session, operator=operator, number=number, attachment_id=attachment_id)
    )


async def stored_attachment(
    session: AsyncSession, *, operator: Operator, number: str, attachment_id: uuid.UUID
) -> object:
    row = await find_ticket(session, operator, number)
    found = (
        await session.execute(
            select(attachments).where(attachments.c.id == attachment_id, attachments.c.ticket_id == row.id)
        )
    ).first()
    if found is None:
        raise NotFound(f"Attachment {attachment_id} does not exist on {number}.")
    return found


def _content_type(name: str, declared: str | None) -> str:
    guessed, _ = mimetypes.guess_type(name)
    value = (declared or "").split(";")[0].strip().lower()
    return value if value and "/" in value and len(value) < 100 else (guessed or "application/octet-stream")


def _out(row: object) -> AttachmentOut:
    values = dict(row._mapping)  # type: ignore[attr-defined]
    return AttachmentOut.model_validate(
        {**values, "viewable_as_text": viewable_as_text(values["name"], values["content_type"])}
    )
