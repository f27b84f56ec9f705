"""Adding to and reading a ticket's conversation; an outbound reply is handed to the mail gateway."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, model_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.auth import Operator
from helpdesk_common.bodies import is_empty, render_body
from helpdesk_common.contracts.mail import MailOutboundRequested, OutboundMail
from helpdesk_common.errors import PermissionMissing, ValidationFailed
from helpdesk_common.outbox import add_event
from ticketing.tables.comments import comments
from ticketing.tickets import events, messages
from ticketing.tickets.reading import find_ticket, read_ticket_by_id
from ticketing.tickets.schemas import MessageBody, TicketOut
from ticketing.tickets.service import EDIT_FLAG, actor_of, refresh_search_text

THREAD_REFERENCES_MAX = 20


class CommentCreate(MessageBody):
    direction: Literal["internal", "outbound"] = Field(
        description="Internal note, or an outbound reply e-mailed to the contact (needs tickets_edit)."
    )

    @model_validator(mode="after")
    def _not_empty(self) -> CommentCreate:
        if is_empty(render_body(self.body, self.body_format)):
            raise PydanticCustomError("empty_comment", "A comment needs some text.")
        return self


class CommentOut(BaseModel):
    id: uuid.UUID
    direction: Literal["internal", "outbound", "inbound"]
    author_id: uuid.UUID | None
    author_name: str
    body_html: str
    body_text: str
    created_at: datetime


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
    if data.direction == "outbound":
        await _request_mail(session, ticket, comment.id, comment.body_text, comment.body_html)
    await refresh_search_text(session, row.id)
    await events.publish_comment(session, await read_ticket_by_id(session, row.id), comment)
    return CommentOut.model_validate(comment.model_dump())


async def list_comments(session: AsyncSession, *, operator: Operator, number: str) -> list[CommentOut]:
    row = await find_ticket(session, operator, number)
    rows = await session.execute(
        select(comments).where(comments.c.ticket_id == row.id).order_by(comments.c.created_at, comments.c.id)
    )
    return [CommentOut.model_validate(found, from_attributes=True) for found in rows]


def _check_deliverable(ticket: TicketOut) -> None:
    if not ticket.contact.email:
        raise ValidationFailed("direction", "This ticket has no contact e-mail address to reply to.")
    if ticket.department is None:
        raise ValidationFailed("direction", "This ticket has no department, so no mailbox to send from.")


async def _request_mail(
    session: AsyncSession, ticket: TicketOut, comment_id: uuid.UUID, text: str, html: str
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
    )
    await add_event(
        session, MailOutboundRequested.build(source="ticketing", subject=str(ticket.id), data=mail)
    )
