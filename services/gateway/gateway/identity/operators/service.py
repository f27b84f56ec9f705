"""The rules for operators: plain async functions over a session; events leave through the outbox."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.identity.errors import OperatorNotFound, UnknownFlag
from gateway.identity.flags import ALL_FLAGS
from gateway.identity.operators.schemas import OperatorCreate, OperatorOut, OperatorUpdate, RoleRef
from gateway.identity.secrets import hash_password
from gateway.tables import department_memberships, operator_roles, operators, roles, sessions
from helpdesk_common.auth import Operator
from helpdesk_common.contracts.identity import (
    OperatorData,
    OperatorRemoved,
    OperatorSnapshot,
    OperatorUpserted,
)
from helpdesk_common.errors import Conflict, ValidationFailed
from helpdesk_common.outbox import add_event
from helpdesk_common.records import ensure_unique

SOURCE = "gateway"


def check_flags(field: str, flags: Iterable[str]) -> list[str]:
    for flag in flags:
        if flag not in ALL_FLAGS:
            raise UnknownFlag(field, flag)
    return sorted(set(flags))


async def create_operator(session: AsyncSession, *, data: OperatorCreate) -> OperatorOut:
    await _check_unique(session, username=data.username, email=data.email)
    flags = check_flags("flags", data.flags)
    await _check_roles(session, data.role_ids)
    operator_id = uuid.uuid4()
    await session.execute(
        insert(operators).values(
            id=operator_id,
            username=data.username,
            email=data.email,
            display_name=data.display_name,
            default_department_id=data.default_department_id,
            active=data.active,
            password_hash=hash_password(data.password),
            flags=flags,
        )
    )
    await _set_roles(session, operator_id, data.role_ids)
    created = await get_operator(session, operator_id)
    await _publish(session, OperatorUpserted, created)
    return created


async def update_operator(
    session: AsyncSession, *, operator_id: uuid.UUID, data: OperatorUpdate
) -> OperatorOut:
    await get_operator(session, operator_id)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True, exclude={"password", "role_ids", "flags"})
    await _check_unique(session, username=data.username, email=data.email, except_id=operator_id)
    if data.flags is not None:
        changes["flags"] = check_flags("flags", data.flags)
    if data.password is not None:
        changes["password_hash"] = hash_password(data.password)
    if data.role_ids is not None:
        await _check_roles(session, data.role_ids)
        await _set_roles(session, operator_id, data.role_ids)
    changes["updated_at"] = datetime.now(UTC)
    await session.execute(update(operators).where(operators.c.id == operator_id).values(**changes))
    if data.active is False or data.password is not None:
        # A disabled operator or a reset password ends every open session at once.
        await session.execute(delete(sessions).where(sessions.c.operator_id == operator_id))
    updated = await get_operator(session, operator_id)
    await _publish(session, OperatorUpserted, updated)
    return updated


async def delete_operator(
    session: AsyncSession, *, operator_id: uuid.UUID, actor_id: uuid.UUID | None
) -> None:
    if operator_id == actor_id:
        raise Conflict("You cannot delete your own account.")
    last = await get_operator(session, operator_id)
    await session.execute(delete(operators).where(operators.c.id == operator_id))
    await _publish(session, OperatorRemoved, last)


async def get_operator(session: AsyncSession, operator_id: uuid.UUID) -> OperatorOut:
    found = await list_operators(session, ids=[operator_id])
    if not found:
        raise OperatorNotFound(f"Operator {operator_id} does not exist.")
    return found[0]


async def list_operators(
    session: AsyncSession,
    *,
    ids: list[uuid.UUID] | None = None,
    search: str | None = None,
    active: bool | None = None,
) -> list[OperatorOut]:
    query = select(operators).order_by(func.lower(operators.c.username))
    if ids is not None:
        query = query.where(operators.c.id.in_(ids))
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(
            or_(
                func.lower(operators.c.username).like(pattern),
                func.lower(operators.c.email).like(pattern),
                func.lower(operators.c.display_name).like(pattern),
            )
        )
    if active is not None:
        query = query.where(operators.c.active == active)
    rows = (await session.execute(query)).all()
    found_ids = [row.id for row in rows]
    role_refs = await _roles_of(session, found_ids)
    departments = await _departments_of(session, found_ids)
    return [_operator_out(row, role_refs.get(row.id, []), departments.get(row.id, set())) for row in rows]


async def load_principal(session: AsyncSession, operator_id: uuid.UUID) -> Operator | None:
    """The operator as the internal token describes them, or None when unknown or disabled."""
    found = await list_operators(session, ids=[operator_id], active=True)
    if not found:
        return None
    operator = found[0]
    return Operator(
        id=operator.id,
        username=operator.username,
        flags=frozenset(operator.effective_flags),
        department_ids=frozenset(operator.department_ids),
    )


def _operator_out(
    row: Row[Any], role_refs: list[tuple[RoleRef, list[str]]], departments: set[uuid.UUID]
) -> OperatorOut:
    effective = set(row.flags)
    for _, role_flags in role_refs:
        effective.update(role_flags)
    if row.default_department_id:
        departments = departments | {row.default_department_id}
    return OperatorOut(
        id=row.id,
        username=row.username,
        email=row.email,
        display_name=row.display_name,
        default_department_id=row.default_department_id,
        active=row.active,
        flags=list(row.flags),
        roles=[ref for ref, _ in role_refs],
        effective_flags=sorted(effective),
        department_ids=sorted(departments, key=str),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def _roles_of(
    session: AsyncSession, operator_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[tuple[RoleRef, list[str]]]]:
    if not operator_ids:
        return {}
    query = (
        select(operator_roles.c.operator_id, roles.c.id, roles.c.name, roles.c.flags)
        .join(roles, roles.c.id == operator_roles.c.role_id)
        .where(operator_roles.c.operator_id.in_(operator_ids))
        .order_by(roles.c.name)
    )
    found: dict[uuid.UUID, list[tuple[RoleRef, list[str]]]] = {}
    for row in await session.execute(query):
        found.setdefault(row.operator_id, []).append((RoleRef(id=row.id, name=row.name), list(row.flags)))
    return found


async def _departments_of(
    session: AsyncSession, operator_ids: list[uuid.UUID]
) -> dict[uuid.UUID, set[uuid.UUID]]:
    if not operator_ids:
        return {}
    query = select(department_memberships).where(department_memberships.c.operator_id.in_(operator_ids))
    found: dict[uuid.UUID, set[uuid.UUID]] = {}
    for row in await session.execute(query):
        found.setdefault(row.operator_id, set()).add(row.department_id)
    return found


async def _check_unique(
    session: AsyncSession, *, username: str | None, email: str | None, except_id: uuid.UUID | None = None
) -> None:
    for field, column, value in (
        ("username", operators.c.username, username),
        ("email", operators.c.email, email),
    ):
        if value is not None:
            message = f"An operator with this {field} already exists."
            await ensure_unique(session, column, value, field=field, message=message, except_id=except_id)


async def _check_roles(session: AsyncSession, role_ids: list[uuid.UUID]) -> None:
    if not role_ids:
        return
    known = set((await session.execute(select(roles.c.id).where(roles.c.id.in_(role_ids)))).scalars())
    for role_id in role_ids:
        if role_id not in known:
            raise ValidationFailed("role_ids", f"Role {role_id} does not exist.")


async def _set_roles(session: AsyncSession, operator_id: uuid.UUID, role_ids: list[uuid.UUID]) -> None:
    await session.execute(delete(operator_roles).where(operator_roles.c.operator_id == operator_id))
    if role_ids:
        await session.execute(
            insert(operator_roles), [{"operator_id": operator_id, "role_id": r} for r in set(role_ids)]
        )


async def _publish(
    session: AsyncSession, contract: type[OperatorUpserted] | type[OperatorRemoved], operator: OperatorOut
) -> None:
    snapshot = OperatorSnapshot(
        id=operator.id,
        username=operator.username,
        email=operator.email,
        display_name=operator.display_name,
        active=operator.active,
        default_department_id=operator.default_department_id,
    )
    await add_event(
        session, contract.build(source=SOURCE, subject=str(operator.id), data=OperatorData(operator=snapshot))
    )
