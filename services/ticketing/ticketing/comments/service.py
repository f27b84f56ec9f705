"""Adding to and reading a ticket's conversation; an outbound reply is handed to the mail gateway."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import Row, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.auth import Operator
from helpdesk_common.bodies import is_empty, render_body
from helpdesk_common.contracts.mail import (
    DeliveryState,
    MailOutboundRequested,
    OutboundAttachment,
    OutboundMail,
)
from helpdesk_common.errors import PermissionMissing, ValidationFailed
from helpdesk_common.outbox import add_event
from ticketing.tables.attachments import attachments
from ticketing.tables.comments import comments
from ticketing.tickets import events, messages
from ticketing.tickets.reading import find_ticket, read_ticket_by_id
from ticketing.tickets.schemas import MessageBody, TicketOut
from ticketing.tickets.service import EDIT_FLAG, actor_of, refresh_search_text

THREAD_REFERENCES_MAX = 20
ATTACHMENTS_MAX = 20


class CommentCreate(MessageBody):
    direction: Literal["internal", "outbound"] = Field(
        description="Internal note, or an outbound reply e-mailed to the contact (needs tickets_edit)."
    )
    attachment_ids: list[uuid.UUID] = Field(
        default=[],
        max_length=ATTACHMENTS_MAX,
        description="Files uploaded to this ticket and not yet part of a comment: they become this "
        "comment's, and an outbound reply sends them along.",
    )

    @model_validator(mode="after")
    def _not_empty(self) -> CommentCreate:
        if is_empty(render_body(self.body, self.body_format)):
            raise PydanticCustomError("empty_comment", "A comment needs some text.")
        return self


class DeliveryOut(BaseModel):
    state: DeliveryState
    detail: str = Field(
        description="The mail server's own words on the last attempt; empty when there are none."
    )
    updated_at: datetime


class CommentOut(BaseModel):
    id: uuid.UUID
    direction: Literal["internal", "outbound", "inbound"]
    author_id: uuid.UUID | None
    author_name: str
    body_html: str
    body_text: str
    created_at: datetime
    delivery: DeliveryOut | None = Field(
        default=None, description="An outbound reply's e-mail: queued, sending, sent, retrying or failed."
    )


async def add_comment(
    session: AsyncSession, *, operator: Operator, number: str, data: CommentCreate
) -> CommentOut:
    if data.direction == "outbound" and not operator.has(EDIT_FLAG):
        # Writing to the customer speaks for the ticket as an edit does; a note only informs colleagues.
        raise PermissionMissing(EDIT_FLAG)
    row = await find_ticket(session, operator, number, lock=True)
    ticket = await read_ticket_by_id(session, row.id)
    if data.direction == "outbound":
        _check_deliverable(ticket)
    comment = await messages.add_comment(
        session, ticket_id=row.id, direction=data.direction, author=actor_of(operator), body=data
    )
    files = await _take_attachments(session, ticket_id=row.id, comment_id=comment.id, ids=data.attachment_ids)
    delivery = None
    if data.direction == "outbound":
        await _request_mail(session, ticket, comment.id, comment.body_text, comment.body_html, files)
        delivery = await _queued(session, comment.id)
    await refresh_search_text(session, row.id)
    await events.publish_comment(session, await read_ticket_by_id(session, row.id), comment)
    return CommentOut.model_validate({**comment.model_dump(), "delivery": delivery})


async def list_comments(session: AsyncSession, *, operator: Operator, number: str) -> list[CommentOut]:
    row = await find_ticket(session, operator, number)
    rows = await session.execute(
        select(comments).where(comments.c.ticket_id == row.id).order_by(comments.c.created_at, comments.c.id)
    )
    return [comment_out(found) for found in rows]


def comment_out(row: Row[Any]) -> CommentOut:
    delivery = None
    if row.delivery_state is not None:
        delivery = DeliveryOut(
            state=row.delivery_state, detail=row.delivery_detail or "", updated_at=row.delivery_updated_at
        )
    return CommentOut.model_validate({**row._mapping, "delivery": delivery})


async def _take_attachments(
    session: AsyncSession, *, ticket_id: uuid.UUID, comment_id: uuid.UUID, ids: list[uuid.UUID]
) -> list[OutboundAttachment]:
    """The ticket's uploads that belong to no comment yet become this comment's."""
    if not ids:
        return []
    taken = (
        await session.execute(
            update(attachments)
            .where(
                attachments.c.id.in_(ids),
                attachments.c.ticket_id == ticket_id,
                attachments.c.comment_id.is_(None),
                attachments.c.origin == "upload",
            )
            .values(comment_id=comment_id, origin="comment")
            .returning(
                attachments.c.id,
                attachments.c.name,
                attachments.c.content_type,
                attachments.c.size,
                attachments.c.object_name,
            )
        )
    ).all()
    if len(taken) != len(set(ids)):
        raise ValidationFailed(
            "attachment_ids",
            "Each file must be uploaded to this ticket and not be part of another comment yet.",
        )
    order = {attachment_id: index for index, attachment_id in enumerate(ids)}
    return [
        OutboundAttachment(
            name=found.name, content_type=found.content_type, size=found.size, object_name=found.object_name
        )
        for found in sorted(taken, key=lambda found: order[found.id])
    ]


async def _queued(session: AsyncSession, comment_id: uuid.UUID) -> DeliveryOut:
    """Queued from the moment the request is in the outbox; the gateway's first report (revision 1)
    replaces this one (revision 0)."""
    now = datetime.now(UTC)
    await session.execute(
        update(comments)
        .where(comments.c.id == comment_id)
        .values(delivery_state="queued", delivery_detail="", delivery_updated_at=now, delivery_revision=0)
    )
    return DeliveryOut(state="queued", detail="", updated_at=now)


def _check_deliverable(ticket: TicketOut) -> None:
    if not ticket.contact.email:
        raise ValidationFailed("direction", "This ticket has no contact e-mail address to reply to.")
    if ticket.department is None:
        raise ValidationFailed("direction", "This ticket has no department, so no mailbox to send from.")


async def _request_mail(
    session: AsyncSession,
    ticket: TicketOut,
    comment_id: uuid.UUID,
    text: str,
    html: str,
    files: list[OutboundAttachment],
) -> None:
    assert ticket.department is not None and ticket.contact.email is not None
    thread = list(
        (
            await session.execute(
                select(comments.c.message_id)
                .where(comments.c.ticket_id == ticket.id, comments.c.message_id.is_not(None))
                .order_by(comments.c.created_at)
            )
        ).scalars()
    )
    message_id = f"<{ticket.number.lower()}.{comment_id}@helpdesk>"
    await session.execute(comments.update().where(comments.c.id == comment_id).values(message_id=message_id))
    mail = OutboundMail(
        department_id=ticket.department.id,
        ticket_id=ticket.id,
        ticket_number=ticket.number,
        comment_id=comment_id,
        to=[ticket.contact.email],
        # The number in the subject lets replies find the ticket even when a client drops the headers.
        subject=f"[{ticket.number}] {ticket.title}",
        body_text=text,
        body_html=html,
        message_id=message_id,
        in_reply_to=thread[-1] if thread else None,
        references=thread[-THREAD_REFERENCES_MAX:],
        attachments=files,
    )
    await add_event(
        session, MailOutboundRequested.build(source="ticketing", subject=str(ticket.id), data=mail)
    )
