"""The consumers that keep `departments` (the shared projection, helpdesk_common/projections) and the
Ticket System switch from ticketing's events, idempotent through the inbox. A removed department
takes its webhooks (and their deliveries) along in the same transaction."""

from __future__ import annotations

import uuid

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.projections.departments import DepartmentsProjection
from helpdesk_common.projections.module_switch import ModuleSwitchProjection
from notifier.tables import departments, module_switch, webhooks


async def _webhooks_go_along(session: AsyncSession, department_id: uuid.UUID) -> None:
    await session.execute(delete(webhooks).where(webhooks.c.department_id == department_id))


departments_projection = DepartmentsProjection(
    "notifier",
    departments,
    why="The departments a webhook can belong to, and the name {{department}} fills in.",
    removed=_webhooks_go_along,
)
module_switch_projection = ModuleSwitchProjection(
    "notifier", module_switch, why="The Ticket System switch, which gates the webhook API."
)
