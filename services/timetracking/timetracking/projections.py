"""The consumers that keep `departments` and the Ticket System switch from ticketing's events (the
shared projections, helpdesk_common/projections), idempotent through the inbox. A removed department
takes its time settings along in the same transaction; its tickets' entries stay (ticketing moves or
deletes the tickets, and says so in their own events)."""

from __future__ import annotations

import uuid

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.projections.departments import DepartmentsProjection
from helpdesk_common.projections.module_switch import ModuleSwitchProjection
from timetracking.tables import departments, module_switch, time_settings


async def _settings_go_along(session: AsyncSession, department_id: uuid.UUID) -> None:
    await session.execute(delete(time_settings).where(time_settings.c.department_id == department_id))


departments_projection = DepartmentsProjection(
    "timetracking",
    departments,
    why="The departments whose time settings (auto-timer, rounding) time tracking keeps.",
    removed=_settings_go_along,
)
module_switch_projection = ModuleSwitchProjection(
    "timetracking", module_switch, why="The Ticket System switch, which gates the time tracking API."
)
