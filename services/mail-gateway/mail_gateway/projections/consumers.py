"""The consumers that keep `departments` (the shared projection, helpdesk_common/projections) and
`module_settings` from ticketing's events, idempotent through the inbox. Events of one record may be
handled out of order (several consumer processes, a redelivery): each write keeps the newest by the
event's time."""

from __future__ import annotations

import uuid

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.bus.consumer import EventConsumer
from helpdesk_common.bus.topology import ConsumerSpec, declare_consumer
from helpdesk_common.contracts.ticketing import TicketSettingsChanged
from helpdesk_common.projections.departments import DepartmentsProjection
from mail_gateway.tables.mailboxes import departments, mailboxes, module_settings


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


ticket_settings_consumer = EventConsumer(
    declare_consumer(
        ConsumerSpec(
            durable="mail-gateway-ticket-settings",
            stream="TICKETING",
            filter_subject="ticketing.settings.changed",
            description="The Ticket System switch (gates the mailbox API) and the blocked extensions.",
        )
    )
)


@ticket_settings_consumer.on(TicketSettingsChanged)
async def on_ticket_settings_changed(session: AsyncSession, event: TicketSettingsChanged) -> None:
    values = {
        "ticket_system_enabled": event.data.ticket_system_enabled,
        "blocked_extensions": list(event.data.blocked_extensions),
        "changed_at": event.time,
    }
    await session.execute(
        insert(module_settings)
        .values(id=1, **values)
        .on_conflict_do_update(
            index_elements=["id"], set_=values, where=module_settings.c.changed_at <= event.time
        )
    )
