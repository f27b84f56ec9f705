"""The rules for departments; created, changed and deleted departments are published."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.contracts.ticket_states import (
    DepartmentState,
    DepartmentStatesPage,
    DepartmentStatesRequest,
)
from helpdesk_common.contracts.ticketing import (
    DepartmentChanged,
    DepartmentData,
    DepartmentRemoved,
    DepartmentSnapshot,
)
from helpdesk_common.errors import NotFound, ValidationFailed
from helpdesk_common.outbox import add_event
from helpdesk_common.records import ensure_unique
from ticketing.departments.schemas import Cleanup, DepartmentCreate, DepartmentOut, DepartmentUpdate, Member
from ticketing.tables.customers import customers
from ticketing.tables.departments import department_members, departments
from ticketing.tables.projections import operators

SOURCE = "ticketing"


async def create_department(session: AsyncSession, *, data: DepartmentCreate) -> DepartmentOut:
    await _check_name(session, data.name)
    await _check_customer(session, data.customer_id)
    await _check_members(session, data.member_ids)
    department_id = uuid.uuid4()
    await session.execute(
        insert(departments).values(
            id=department_id,
            name=data.name,
            description=data.description,
            enabled=data.enabled,
            auto_assign_on_open=data.auto_assign_on_open,
            customer_id=data.customer_id,
            **_cleanup_columns(data.cleanup),
        )
    )
    await _set_members(session, department_id, data.member_ids)
    created = await get_department(session, department_id)
    await publish_changed(session, created)
    return created


async def update_department(
    session: AsyncSession, *, department_id: uuid.UUID, data: DepartmentUpdate
) -> DepartmentOut:
    await get_department(session, department_id)
    values: dict[str, Any] = data.model_dump(exclude_unset=True, exclude={"member_ids", "cleanup"})
    if data.name is not None:
        await _check_name(session, data.name, except_id=department_id)
    if "customer_id" in values:
        await _check_customer(session, data.customer_id)
    if data.cleanup is not None:
        values.update(_cleanup_columns(data.cleanup))
    if data.member_ids is not None:
        await _check_members(session, data.member_ids)
        await _set_members(session, department_id, data.member_ids)
    values["updated_at"] = datetime.now(UTC)
    await session.execute(update(departments).where(departments.c.id == department_id).values(**values))
    changed = await get_department(session, department_id)
    await publish_changed(session, changed)
    return changed


async def delete_department(session: AsyncSession, *, department_id: uuid.UUID) -> None:
    last = await get_department(session, department_id)
    await session.execute(delete(departments).where(departments.c.id == department_id))
    await publish_removed(session, [last])


async def get_department(session: AsyncSession, department_id: uuid.UUID) -> DepartmentOut:
    found = await list_departments(session, ids=[department_id])
    if not found:
        raise NotFound(f"Department {department_id} does not exist.")
    return found[0]


async def list_departments(
    session: AsyncSession, *, ids: list[uuid.UUID] | None = None, customer_id: uuid.UUID | None = None
) -> list[DepartmentOut]:
    query = select(departments).order_by(func.lower(departments.c.name))
    if ids is not None:
        query = query.where(departments.c.id.in_(ids))
    if customer_id is not None:
        query = query.where(departments.c.customer_id == customer_id)
    rows = (await session.execute(query)).all()
    members = await _members_of(session, [row.id for row in rows])
    return [_department_out(row, members.get(row.id, [])) for row in rows]


async def department_states_page(
    session: AsyncSession, request: DepartmentStatesRequest
) -> DepartmentStatesPage:
    """Every department a page at a time in id order, as its events carry it, with when it last changed
    (the `ticket-states` role, for a service learning them without replaying TICKETING)."""
    query = select(departments)
    if request.after is not None:
        query = query.where(departments.c.id > request.after)
    rows = (await session.execute(query.order_by(departments.c.id).limit(request.limit))).all()
    members = await _members_of(session, [row.id for row in rows])
    states = [
        DepartmentState(
            department=_data(_department_out(row, members.get(row.id, []))).department,
            changed_at=row.updated_at,
        )
        for row in rows
    ]
    full = len(rows) == request.limit
    return DepartmentStatesPage(states=states, next_after=rows[-1].id if full else None)


async def publish_changed(session: AsyncSession, department: DepartmentOut) -> None:
    await add_event(
        session, DepartmentChanged.build(source=SOURCE, subject=str(department.id), data=_data(department))
    )


async def publish_removed(session: AsyncSession, removed: list[DepartmentOut]) -> None:
    for department in removed:
        await add_event(
            session,
            DepartmentRemoved.build(source=SOURCE, subject=str(department.id), data=_data(department)),
        )


def _data(department: DepartmentOut) -> DepartmentData:
    return DepartmentData(
        department=DepartmentSnapshot(
            id=department.id,
            name=department.name,
            enabled=department.enabled,
            customer_id=department.customer_id,
            member_ids=[member.id for member in department.members],
        )
    )


def _cleanup_columns(cleanup: Cleanup) -> dict[str, Any]:
    return {
        "cleanup_close_inactive_days": cleanup.close_inactive_days,
        "cleanup_close_statuses": list(cleanup.close_statuses),
        "cleanup_close_note": cleanup.close_note,
        "cleanup_delete_closed_after_days": cleanup.delete_closed_after_days,
        "cleanup_delete_attachment_files": cleanup.delete_attachment_files,
    }


def _department_out(row: Row[Any], members: list[Member]) -> DepartmentOut:
    return DepartmentOut(
        id=row.id,
        name=row.name,
        description=row.description,
        enabled=row.enabled,
        auto_assign_on_open=row.auto_assign_on_open,
        customer_id=row.customer_id,
        members=members,
        cleanup=Cleanup.model_construct(
            close_inactive_days=row.cleanup_close_inactive_days,
            close_statuses=list(row.cleanup_close_statuses),
            close_note=row.cleanup_close_note,
            delete_closed_after_days=row.cleanup_delete_closed_after_days,
            delete_attachment_files=row.cleanup_delete_attachment_files,
        ),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def _members_of(
    session: AsyncSession, department_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[Member]]:
    if not department_ids:
        return {}
    query = (
        select(
            department_members.c.department_id, operators.c.id, operators.c.username, operators.c.display_name
        )
        .join(operators, operators.c.id == department_members.c.operator_id)
        .where(department_members.c.department_id.in_(department_ids))
        .order_by(func.lower(operators.c.username))
    )
    found: dict[uuid.UUID, list[Member]] = {}
    for row in await session.execute(query):
        found.setdefault(row.department_id, []).append(
            Member(id=row.id, username=row.username, display_name=row.display_name)
        )
    return found


async def _set_members(session: AsyncSession, department_id: uuid.UUID, member_ids: list[uuid.UUID]) -> None:
    await session.execute(
        delete(department_members).where(department_members.c.department_id == department_id)
    )
    if member_ids:
        await session.execute(
            insert(department_members),
            [{"department_id": department_id, "operator_id": member} for member in set(member_ids)],
        )


async def _check_name(session: AsyncSession, name: str, except_id: uuid.UUID | None = None) -> None:
    message = f"A department named '{name}' exists already."
    await ensure_unique(session, departments.c.name, name, field="name", message=message, except_id=except_id)


async def _check_customer(session: AsyncSession, customer_id: uuid.UUID | None) -> None:
    if customer_id is None:
        return
    if (await session.execute(select(customers.c.id).where(customers.c.id == customer_id))).first() is None:
        raise ValidationFailed("customer_id", f"Customer {customer_id} does not exist.")


async def _check_members(session: AsyncSession, member_ids: list[uuid.UUID]) -> None:
    if not member_ids:
        return
    known = set(
        (await session.execute(select(operators.c.id).where(operators.c.id.in_(member_ids)))).scalars()
    )
    for member in member_ids:
        if member not in known:
            raise ValidationFailed("member_ids", f"Operator {member} does not exist.")
