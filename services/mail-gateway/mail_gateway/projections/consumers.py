"""The consumers that keep `departments` and `module_settings` from ticketing's events, idempotent
through the inbox. Events of one record may be handled out of order (several consumer processes, a
redelivery): each write keeps the newest by the event's time."""

from __future__ import annotations

from sqlalchemy import delete, func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.bus.consumer import EventConsumer
from helpdesk_common.bus.topology import ConsumerSpec, declare_consumer
from helpdesk_common.contracts.ticketing import DepartmentChanged, DepartmentRemoved, TicketSettingsChanged
from mail_gateway.tables.mailboxes import departments, mailboxes, module_settings

departments_consumer = EventConsumer(
    declare_consumer(
        ConsumerSpec(
            durable="mail-gateway-departments",
            stream="TICKETING",
            filter_subject="ticketing.department.>",
            description="The departments a mailbox can belong to; a removed one takes its mailbox along.",
        )
    )
)
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


@departments_consumer.on(DepartmentChanged)
async def on_department_changed(session: AsyncSession, event: DepartmentChanged) -> None:
    department = event.data.department
    values = {"name": department.name, "enabled": department.enabled, "changed_at": event.time}
    newer = (departments.c.changed_at <= event.time) & departments.c.removed_at.is_(None)
    await session.execute(
        insert(departments)
        .values(id=department.id, **values)
        .on_conflict_do_update(index_elements=["id"], set_=values, where=newer)
    )


@departments_consumer.on(DepartmentRemoved)
async def on_department_removed(session: AsyncSession, event: DepartmentRemoved) -> None:
    department = event.data.department
    tombstone = {"removed_at": event.time, "changed_at": func.greatest(departments.c.changed_at, event.time)}
    await session.execute(
        insert(departments)
        .values(
            id=department.id,
            name=department.name,
            enabled=False,
            changed_at=event.time,
            removed_at=event.time,
        )
        .on_conflict_do_update(
            index_elements=["id"], set_=tombstone, where=departments.c.removed_at.is_(None)
        )
    )
    # Ingestion stops with the department, and its secrets go with it.
    await session.execute(delete(mailboxes).where(mailboxes.c.department_id == department.id))


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
