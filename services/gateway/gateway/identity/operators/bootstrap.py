"""The first administrator, made from the command line (`helpdesk admin create`)."""

from __future__ import annotations

import uuid

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.identity.flags import ALL_FLAGS
from gateway.identity.operators.schemas import OperatorCreate, OperatorOut
from gateway.identity.operators.service import create_operator
from gateway.tables import operators, roles

ADMINISTRATOR_ROLE = "Administrator"


async def create_administrator(
    session: AsyncSession, *, username: str, email: str, display_name: str, password: str
) -> OperatorOut:
    """An operator holding the Administrator role, which carries every flag there is."""
    role_id = await _administrator_role(session)
    return await create_operator(
        session,
        data=OperatorCreate(
            username=username, email=email, display_name=display_name, password=password, role_ids=[role_id]
        ),
    )


async def count_operators(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count()).select_from(operators))).scalar_one())


async def _administrator_role(session: AsyncSession) -> uuid.UUID:
    by_name = select(roles.c.id).where(func.lower(roles.c.name) == ADMINISTRATOR_ROLE.lower())
    found = (await session.execute(by_name)).scalar_one_or_none()
    if found is not None:
        await session.execute(roles.update().where(roles.c.id == found).values(flags=sorted(ALL_FLAGS)))
        return found
    role_id = uuid.uuid4()
    await session.execute(
        insert(roles).values(
            id=role_id,
            name=ADMINISTRATOR_ROLE,
            description="Every permission flag of the platform.",
            flags=sorted(ALL_FLAGS),
        )
    )
    return role_id
