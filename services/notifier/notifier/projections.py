"""The consumers that keep `departments` (the shared projection, helpdesk_common/projections) and the
Ticket System switch from ticketing's events, and `operators` from the gateway's (the shared
projection too), idempotent through the inbox. A removed department takes its webhooks (and their
deliveries) and its notification settings along in the same transaction, and no longer sends the
incident e-mails. Departments and switch last changed before the TICKETING stream's two weeks are
learnt once from ticketing's states (the shared records bootstrap), by the `jobs` role; the one row
of `records_bootstrap` says it is done. Operators have no such bootstrap (the gateway publishes no
states): one unchanged since before the IDENTITY stream's two weeks is unknown here until it
changes, as in ticketing's and the itsm service's copies."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.projections.departments import DepartmentsProjection
from helpdesk_common.projections.module_switch import ModuleSwitchProjection
from helpdesk_common.projections.operators import OperatorsProjection
from helpdesk_common.projections.records_bootstrap import RecordsBootstrap
from helpdesk_common.service import ServiceRuntime
from notifier.config import NotifierSettings
from notifier.tables import (
    departments,
    incident_notification_settings,
    module_switch,
    notification_settings,
    operators,
    records_bootstrap,
    webhooks,
)


async def _settings_go_along(session: AsyncSession, department_id: uuid.UUID) -> None:
    await session.execute(delete(webhooks).where(webhooks.c.department_id == department_id))
    await session.execute(
        delete(notification_settings).where(notification_settings.c.department_id == department_id)
    )
    await session.execute(
        update(incident_notification_settings)
        .where(incident_notification_settings.c.sender_department_id == department_id)
        .values(sender_department_id=None)
    )


departments_projection = DepartmentsProjection(
    "notifier",
    departments,
    why=(
        "The departments a webhook or notification settings belong to, their names in both, and the "
        "one that sends incident e-mails."
    ),
    removed=_settings_go_along,
)
module_switch_projection = ModuleSwitchProjection(
    "notifier", module_switch, why="The Ticket System switch, which gates the webhook API."
)
records_bootstrap_run = RecordsBootstrap(
    service="notifier",
    what="The notifier's departments and switch",
    lock_key=0x1A7E_DE97,
    table=records_bootstrap,
    switch=module_switch_projection,
    departments=departments_projection,
)


async def learn_records_job(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    settings = runtime.settings
    assert isinstance(settings, NotifierSettings)
    await records_bootstrap_run.keep_trying(
        runtime, stop, retry_seconds=settings.notifier_bootstrap_retry_seconds
    )


operators_projection = OperatorsProjection(
    "notifier",
    operators,
    why="The notifier's copy of operators: the address an incident's assignee is written to.",
)
