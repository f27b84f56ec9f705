"""The consumers that keep `departments` and `module_settings` (the shared projections,
helpdesk_common/projections) from ticketing's events, idempotent through the inbox. Events of one
record may be handled out of order (several consumer processes, a redelivery): each write keeps the
newest by the event's time. Those last changed before the TICKETING stream's two weeks are learnt once
from ticketing's states (the shared records bootstrap), by the `jobs` role; the one row of
`records_bootstrap` says it is done."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.projections.departments import DepartmentsProjection
from helpdesk_common.projections.module_switch import ModuleSwitchProjection
from helpdesk_common.projections.records_bootstrap import RecordsBootstrap
from helpdesk_common.service import ServiceRuntime
from mail_gateway.config import MailGatewaySettings
from mail_gateway.tables.mailboxes import departments, mailboxes, module_settings, records_bootstrap


async def _mailbox_goes_along(session: AsyncSession, department_id: uuid.UUID) -> None:
    """Ingestion stops with the department, and its secrets go with it."""
    await session.execute(delete(mailboxes).where(mailboxes.c.department_id == department_id))


departments_projection = DepartmentsProjection(
    "mail-gateway",
    departments,
    why="The departments a mailbox can belong to; a removed one takes its mailbox along.",
    removed=_mailbox_goes_along,
)
departments_consumer = departments_projection.consumer
on_department_changed = departments_projection.changed
on_department_removed = departments_projection.removed


ticket_settings_projection = ModuleSwitchProjection(
    "mail-gateway",
    module_settings,
    why="The Ticket System switch (gates the mailbox API) and the blocked extensions.",
    more=lambda settings: {"blocked_extensions": list(settings.blocked_extensions)},
)
ticket_settings_consumer = ticket_settings_projection.consumer
on_ticket_settings_changed = ticket_settings_projection.changed


records_bootstrap_run = RecordsBootstrap(
    service="mail-gateway",
    what="The mail gateway's departments and settings",
    lock_key=0x3A11_DE97,
    table=records_bootstrap,
    switch=ticket_settings_projection,
    departments=departments_projection,
)


async def learn_records_job(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    settings = runtime.settings
    assert isinstance(settings, MailGatewaySettings)
    await records_bootstrap_run.keep_trying(
        runtime, stop, retry_seconds=settings.mail_bootstrap_retry_seconds
    )
