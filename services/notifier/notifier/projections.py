"""The consumers that keep `departments` (the shared projection, helpdesk_common/projections) and the
Ticket System switch from ticketing's events, idempotent through the inbox. A removed department
takes its webhooks (and their deliveries) and its notification settings along in the same
transaction."""

from __future__ import annotations

import uuid

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.projections.departments import DepartmentsProjection
from helpdesk_common.projections.module_switch import ModuleSwitchProjection
from notifier.tables import departments, module_switch, notification_settings, webhooks


async def _settings_go_along(session: AsyncSession, department_id: uuid.UUID) -> None:
    await session.execute(delete(webhooks).where(webhooks.c.department_id == department_id))
    await session.execute(
        delete(notification_settings).where(notification_settings.c.department_id == department_id)
    )


departments_projection = DepartmentsProjection(
    "notifier",
    departments,
    why="The departments a webhook or notification settings belong to, and their names in both.",
    removed=_settings_go_along,
)
module_switch_projection = ModuleSwitchProjection(
    "notifier", module_switch, why="The Ticket System switch, which gates the webhook API."
)
