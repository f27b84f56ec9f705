"""The rules for failed messages: listed per department, newest first; a retry sends a failed message
to the parsers again (a new `mail_stored`, so the inbox takes it as new work)."""

from __future__ import annotations

import uuid

from sqlalchemy import select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.errors import Conflict, NotFound
from helpdesk_common.outbox import add_event
from mail_gateway.inbound.schemas import FailedMessageOut
from mail_gateway.inbound.store import stored_event
from mail_gateway.tables.inbound import inbound_messages

_SHOWN = [
    inbound_messages.c.id,
    inbound_messages.c.department_id,
    inbound_messages.c.source,
    inbound_messages.c.uidvalidity,
    inbound_messages.c.uid,
    inbound_messages.c.file_name,
    inbound_messages.c.size,
    inbound_messages.c.message_id,
    inbound_messages.c.received_at,
    inbound_messages.c.state,
    inbound_messages.c.error,
    inbound_messages.c.parse_attempts,
]


class FailedMessageNotFound(NotFound):
    problem_type = "urn:helpdesk:problem:failed-message-not-found"


class MessageNotFailed(Conflict):
    problem_type = "urn:helpdesk:problem:message-not-failed"
    title = "The message has not failed"


async def list_failed(
    session: AsyncSession, *, department_id: uuid.UUID, limit: int, before: uuid.UUID | None
) -> list[FailedMessageOut]:
    """A page newest first; `before` is the last id of the previous page (keyset, on the index of
    failed rows)."""
    query = (
        select(*_SHOWN)
        .where(inbound_messages.c.department_id == department_id, inbound_messages.c.state == "failed")
        .order_by(inbound_messages.c.received_at.desc(), inbound_messages.c.id.desc())
        .limit(limit)
    )
    if before is not None:
        cursor = select(inbound_messages.c.received_at, inbound_messages.c.id).where(
            inbound_messages.c.id == before
        )
        query = query.where(
            tuple_(inbound_messages.c.received_at, inbound_messages.c.id) < cursor.scalar_subquery()
        )
    rows = (await session.execute(query)).mappings().all()
    return [FailedMessageOut.model_validate(dict(row)) for row in rows]


async def retry_failed(
    session: AsyncSession, *, department_id: uuid.UUID, message_id: uuid.UUID
) -> FailedMessageOut:
    row = (
        await session.execute(
            select(inbound_messages.c.state)
            .where(inbound_messages.c.id == message_id, inbound_messages.c.department_id == department_id)
            .with_for_update()
        )
    ).first()
    if row is None:
        raise FailedMessageNotFound(f"Department {department_id} has no stored message {message_id}.")
    if row.state != "failed":
        raise MessageNotFailed(f"Message {message_id} is {row.state}, not failed: there is nothing to retry.")
    changed = (
        (
            await session.execute(
                update(inbound_messages)
                .where(inbound_messages.c.id == message_id)
                .values(state="stored")
                .returning(*_SHOWN)
            )
        )
        .mappings()
        .one()
    )
    await add_event(session, stored_event(department_id, message_id))
    return FailedMessageOut.model_validate(dict(changed))
