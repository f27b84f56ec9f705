"""Writing a comment row: the body kept as sanitised HTML and plain text, the ticket's Last Contact."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, update
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.bodies import render_body
from helpdesk_common.contracts.tickets import CommentSnapshot
from ticketing.tables.comments import comments
from ticketing.tables.tickets import ticket_history, tickets
from ticketing.tickets.schemas import MessageBody


async def add_comment(
    session: AsyncSession,
    *,
    ticket_id: uuid.UUID,
    direction: str,
    author: tuple[uuid.UUID | None, str],
    body: MessageBody,
    message_id: str | None = None,
) -> CommentSnapshot:
    rendered = render_body(body.body, body.body_format)
    now = datetime.now(UTC)
    comment_id = uuid.uuid4()
    author_id, author_name = author
    await session.execute(
        insert(comments).values(
            id=comment_id,
            ticket_id=ticket_id,
            direction=direction,
            author_id=author_id,
            author_name=author_name,
            body_html=rendered.html,
            body_text=rendered.text,
            message_id=message_id,
            created_at=now,
        )
    )
    await session.execute(
        update(tickets).where(tickets.c.id == ticket_id).values(**_activity(direction, now))
    )
    await session.execute(
        insert(ticket_history).values(
            ticket_id=ticket_id,
            actor_id=author_id,
            actor_name=author_name,
            field="comment",
            old_value=None,
            new_value=f"{direction}: {rendered.text[:200]}",
        )
    )
    return CommentSnapshot(
        id=comment_id,
        direction=direction,  # type: ignore[arg-type]
        author_id=author_id,
        author_name=author_name,
        body_text=rendered.text,
        body_html=rendered.html,
        created_at=now,
    )


def _activity(direction: str, now: datetime) -> dict[str, Any]:
    values: dict[str, Any] = {"last_activity_at": now, "updated_at": now}
    if direction != "internal":
        values.update(last_message_direction=direction, last_message_at=now)
    if direction == "outbound":
        values["first_response_at"] = func.coalesce(tickets.c.first_response_at, now)
    return values
