"""The consumers that keep `departments` and the Ticket System switch from ticketing's events (the
shared projections, helpdesk_common/projections), idempotent through the inbox. A removed department
takes its time settings along in the same transaction; its tickets' entries stay (ticketing moves or
deletes the tickets, and says so in their own events). Those last changed before the TICKETING
stream's two weeks are learnt once from ticketing's states (the shared records bootstrap), by the
`jobs` role; the one row of `records_bootstrap` says it is done."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.projections.departments import DepartmentsProjection
from helpdesk_common.projections.module_switch import ModuleSwitchProjection
from helpdesk_common.projections.records_bootstrap import RecordsBootstrap
from helpdesk_common.service import ServiceRuntime
from timetracking.config import TimetrackingSettings
from timetracking.tables import departments, module_switch, records_bootstrap, time_settings


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
records_bootstrap_run = RecordsBootstrap(
    service="timetracking",
    what="Time tracking's departments and switch",
    lock_key=0x717E_DE97,
    table=records_bootstrap,
    switch=module_switch_projection,
    departments=departments_projection,
)


async def learn_records_job(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    settings = runtime.settings
    assert isinstance(settings, TimetrackingSettings)
    await records_bootstrap_run.keep_trying(
        runtime, stop, retry_seconds=settings.timetracking_bootstrap_retry_seconds
    )
