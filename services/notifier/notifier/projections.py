"""The consumers that keep `departments` (the shared projection, helpdesk_common/projections) and the
Ticket System switch from ticketing's events, and `operators` from the gateway's, idempotent through
the inbox. A removed department takes its webhooks (and their deliveries) and its notification
settings along in the same transaction, and no longer sends the incident e-mails. Departments and
switch last changed before the TICKETING stream's two weeks are learnt once from ticketing's states
(the shared records bootstrap), by the `jobs` role; the one row of `records_bootstrap` says it is
done. Operators have no such bootstrap (the gateway publishes no states): one unchanged since before
the IDENTITY stream's two weeks is unknown here until it changes, as in ticketing's copy."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import delete, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.bus.consumer import EventConsumer
from helpdesk_common.bus.topology import ConsumerSpec, declare_consumer
from helpdesk_common.contracts.identity import OperatorRemoved, OperatorUpserted
from helpdesk_common.projections.departments import DepartmentsProjection
from helpdesk_common.projections.module_switch import ModuleSwitchProjection
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


identity_consumer = EventConsumer(
    declare_consumer(
        ConsumerSpec(
            durable="notifier-identity",
            stream="IDENTITY",
            filter_subject="identity.operator.>",
            description="The notifier's copy of operators: the address an incident's assignee is written to.",
        )
    )
)


@identity_consumer.on(OperatorUpserted)
async def on_operator_upserted(session: AsyncSession, event: OperatorUpserted) -> None:
    operator = event.data.operator
    values = {
        "username": operator.username,
        "email": operator.email,
        "display_name": operator.display_name,
        "active": operator.active,
        "default_department_id": operator.default_department_id,
    }
    await session.execute(
        insert(operators)
        .values(id=operator.id, **values)
        .on_conflict_do_update(index_elements=["id"], set_=values)
    )


@identity_consumer.on(OperatorRemoved)
async def on_operator_removed(session: AsyncSession, event: OperatorRemoved) -> None:
    await session.execute(delete(operators).where(operators.c.id == event.data.operator.id))
