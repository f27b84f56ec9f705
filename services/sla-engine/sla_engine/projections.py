"""The consumer that keeps the Ticket System switch from ticketing's `ticket_settings_changed`, so
the SLA endpoints are switched off with the rest of the module."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.bus.consumer import EventConsumer
from helpdesk_common.bus.topology import ConsumerSpec, declare_consumer
from helpdesk_common.contracts.ticketing import TicketSettingsChanged
from sla_engine.tables import module_switch

ticket_settings_consumer = EventConsumer(
    declare_consumer(
        ConsumerSpec(
            durable="sla-engine-ticket-settings",
            stream="TICKETING",
            filter_subject="ticketing.settings.changed",
            description="The Ticket System switch, which gates the SLA endpoints as it gates ticketing's.",
        )
    )
)


@ticket_settings_consumer.on(TicketSettingsChanged)
async def on_ticket_settings_changed(session: AsyncSession, event: TicketSettingsChanged) -> None:
    values = {"ticket_system_enabled": event.data.ticket_system_enabled, "changed_at": event.time}
    await session.execute(
        insert(module_switch)
        .values(id=1, **values)
        .on_conflict_do_update(
            index_elements=["id"], set_=values, where=module_switch.c.changed_at <= event.time
        )
    )
