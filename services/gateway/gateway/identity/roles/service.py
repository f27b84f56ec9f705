"""The rules for roles."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.identity.errors import RoleNotFound
from gateway.identity.operators.service import check_flags
from gateway.identity.roles.schemas import RoleCreate, RoleOut, RoleUpdate
from gateway.tables import roles
from helpdesk_common.records import ensure_unique


async def create_role(session: AsyncSession, *, data: RoleCreate) -> RoleOut:
    await ensure_unique(
        session, roles.c.name, data.name, field="name", message="A role with this name already exists."
    )
    role_id = uuid.uuid4()
    await session.execute(
        insert(roles).values(
            id=role_id, name=data.name, description=data.description, flags=check_flags("flags", data.flags)
        )
    )
    return await get_role(session, role_id)


async def update_role(session: AsyncSession, *, role_id: uuid.UUID, data: RoleUpdate) -> RoleOut:
    await get_role(session, role_id)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    if data.name is not None:
        await ensure_unique(
            session,
            roles.c.name,
            data.name,
            field="name",
            message="A role with this name already exists.",
            except_id=role_id,
        )
    if data.flags is not None:
        changes["flags"] = check_flags("flags", data.flags)
    if changes:
        await session.execute(update(roles).where(roles.c.id == role_id).values(**changes))
    return await get_role(session, role_id)


async def delete_role(session: AsyncSession, *, role_id: uuid.UUID) -> None:
    await get_role(session, role_id)
    await session.execute(delete(roles).where(roles.c.id == role_id))


async def get_role(session: AsyncSession, role_id: uuid.UUID) -> RoleOut:
    row = (await session.execute(select(roles).where(roles.c.id == role_id))).first()
    if row is None:
        raise RoleNotFound(f"Role {role_id} does not exist.")
    return RoleOut.model_validate(row, from_attributes=True)


async def list_roles(session: AsyncSession) -> list[RoleOut]:
    rows = await session.execute(select(roles).order_by(func.lower(roles.c.name)))
    return [RoleOut.model_validate(row, from_attributes=True) for row in rows]
