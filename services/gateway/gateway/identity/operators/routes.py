"""HTTP for operators (flag operators_manage)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request

from gateway.identity.authentication import Authenticator, require_flag
from gateway.identity.operators.schemas import OperatorCreate, OperatorOut, OperatorUpdate
from gateway.identity.operators.service import (
    create_operator,
    delete_operator,
    get_operator,
    list_operators,
    update_operator,
)
from gateway.identity.principal import Principal
from helpdesk_common.db import Session
from helpdesk_common.http.openapi import problem
from helpdesk_common.inputs import QueryText

router = APIRouter(prefix="/api/operators", tags=["operators"])
Admin = Annotated[Principal, require_flag("operators_manage")]


@router.post("", status_code=201)
async def create(data: OperatorCreate, admin: Admin, session: Session) -> OperatorOut:
    created = await create_operator(session, data=data)
    await session.commit()
    return created


@router.get("")
async def list_(
    admin: Admin,
    session: Session,
    search: Annotated[QueryText, Query(max_length=200)] = None,
    active: bool | None = None,
) -> list[OperatorOut]:
    return await list_operators(session, search=search, active=active)


@router.get("/{operator_id}")
async def read(operator_id: uuid.UUID, admin: Admin, session: Session) -> OperatorOut:
    return await get_operator(session, operator_id)


@router.patch("/{operator_id}")
async def edit(
    operator_id: uuid.UUID, data: OperatorUpdate, admin: Admin, request: Request, session: Session
) -> OperatorOut:
    updated = await update_operator(session, operator_id=operator_id, data=data)
    await session.commit()
    _forget(request, operator_id)
    return updated


@router.post("/{operator_id}/disable")
async def disable(operator_id: uuid.UUID, admin: Admin, request: Request, session: Session) -> OperatorOut:
    updated = await update_operator(session, operator_id=operator_id, data=OperatorUpdate(active=False))
    await session.commit()
    _forget(request, operator_id)
    return updated


@router.delete(
    "/{operator_id}",
    status_code=204,
    responses={409: problem("An operator cannot delete their own account.")},
)
async def remove(operator_id: uuid.UUID, admin: Admin, request: Request, session: Session) -> None:
    await delete_operator(session, operator_id=operator_id, actor_id=admin.operator.id)
    await session.commit()
    _forget(request, operator_id)


def _forget(request: Request, operator_id: uuid.UUID) -> None:
    authenticator: Authenticator = request.app.state.authenticator
    authenticator.forget_operator(operator_id)
