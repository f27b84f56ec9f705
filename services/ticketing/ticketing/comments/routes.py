"""HTTP for a ticket's conversation: reading it, adding a note or a reply."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from helpdesk_common.auth import Operator
from helpdesk_common.db import Session, driver_connection
from helpdesk_common.idempotency import Answer, IdempotencyKey, fingerprint, once
from ticketing.access import ticket_access
from ticketing.comments.service import CommentCreate, CommentOut, add_comment, list_comments
from ticketing.tickets.path import NUMBER

router = APIRouter(tags=["tickets"])
Reader = Annotated[Operator, Depends(ticket_access())]


@router.get(f"/{NUMBER}/comments")
async def conversation(number: str, operator: Reader, session: Session) -> list[CommentOut]:
    return await list_comments(session, operator=operator, number=number)


@router.post(f"/{NUMBER}/comments", status_code=201, response_model=CommentOut)
async def comment(
    number: str,
    data: CommentCreate,
    operator: Reader,
    session: Session,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    async def work() -> Answer:
        added = await add_comment(session, operator=operator, number=number, data=data)
        return Answer(201, added.model_dump_json().encode())

    answer = await once(
        await driver_connection(session),
        key=idempotency_key,
        operator_id=operator.id,
        request=lambda: fingerprint("add comment", number.upper(), data.model_dump_json()),
        work=work,
    )
    await session.commit()
    return answer.response()
