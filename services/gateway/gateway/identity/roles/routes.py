"""HTTP for roles (flag operators_manage) and the catalogue of permission flags."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Request

from gateway.identity.authentication import Authenticator, SignedIn, require_flag
from gateway.identity.flags import ALL_FLAGS
from gateway.identity.principal import Principal
from gateway.identity.roles.schemas import RoleCreate, RoleOut, RoleUpdate
from gateway.identity.roles.service import create_role, delete_role, get_role, list_roles, update_role
from helpdesk_common.db import Session

router = APIRouter(tags=["roles"])
Admin = Annotated[Principal, require_flag("operators_manage")]


@router.get("/api/permissions")
async def permissions(principal: SignedIn) -> dict[str, str]:
    """Every permission flag and what it gates."""
    return ALL_FLAGS


@router.post("/api/roles", status_code=201)
async def create(data: RoleCreate, admin: Admin, session: Session) -> RoleOut:
    created = await create_role(session, data=data)
    await session.commit()
    return created


@router.get("/api/roles")
async def list_(admin: Admin, session: Session) -> list[RoleOut]:
    return await list_roles(session)


@router.get("/api/roles/{role_id}")
async def read(role_id: uuid.UUID, admin: Admin, session: Session) -> RoleOut:
    return await get_role(session, role_id)


@router.patch("/api/roles/{role_id}")
async def edit(
    role_id: uuid.UUID, data: RoleUpdate, admin: Admin, request: Request, session: Session
) -> RoleOut:
    updated = await update_role(session, role_id=role_id, data=data)
    await session.commit()
    _forget_everyone(request)
    return updated


@router.delete("/api/roles/{role_id}", status_code=204)
async def remove(role_id: uuid.UUID, admin: Admin, request: Request, session: Session) -> None:
    await delete_role(session, role_id=role_id)
    await session.commit()
    _forget_everyone(request)


def _forget_everyone(request: Request) -> None:
    # A role's flags reach many operators; the cache is short, so it is simply emptied.
    authenticator: Authenticator = request.app.state.authenticator
    authenticator.forget_everyone()
