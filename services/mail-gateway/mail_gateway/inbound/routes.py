"""HTTP for the messages the parser could not read: list a department's, retry one
(tickets_manage_departments: who sets up a department's mailbox sees what it could not take in)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from helpdesk_common.auth import Operator, require
from helpdesk_common.db import Session
from mail_gateway.inbound import service
from mail_gateway.inbound.schemas import FailedMessageOut

MANAGE_FLAG = "tickets_manage_departments"
DepartmentManager = Annotated[Operator, Depends(require(MANAGE_FLAG))]

router = APIRouter(prefix="/departments/{department_id}/failed-messages", tags=["Inbound mail"])


@router.get("")
async def list_failed_messages(
    department_id: uuid.UUID,
    operator: DepartmentManager,
    session: Session,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[uuid.UUID | None, Query(description="The last id of the previous page.")] = None,
) -> list[FailedMessageOut]:
    return await service.list_failed(session, department_id=department_id, limit=limit, before=before)


@router.post("/{message_id}/retry", status_code=202)
async def retry_failed_message(
    department_id: uuid.UUID, message_id: uuid.UUID, operator: DepartmentManager, session: Session
) -> FailedMessageOut:
    """The message goes to the parsers again; 202: it is parsed after the answer."""
    retried = await service.retry_failed(session, department_id=department_id, message_id=message_id)
    await session.commit()
    return retried
