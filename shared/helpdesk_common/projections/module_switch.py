"""The Ticket System switch as another service keeps it (the gate of its ticket endpoints,
helpdesk_common/ticket_module.py): one row (id 1) kept from ticketing's `ticket_settings_changed`
through the inbox, the newest by the event's time winning, so a late event cannot undo a newer one.
A switch last changed before the stream's two weeks comes from ticketing's settings state
(records_bootstrap.py), under the same rule by the time the settings last changed.

A service declares the table in its metadata (`module_switch_table`, with columns of its own beside
the switch when it keeps more of the settings), creates it in a migration, and runs the consumer of
`ModuleSwitchProjection`; `more` names what else of the settings it keeps.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, Column, DateTime, Integer, MetaData, Table
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.bus.consumer import EventConsumer
from helpdesk_common.bus.topology import ConsumerSpec, declare_consumer
from helpdesk_common.contracts.ticket_states import SettingsState
from helpdesk_common.contracts.ticketing import TicketSettingsChanged, TicketSettingsData

MoreValues = Callable[[TicketSettingsData], dict[str, Any]]


def module_switch_table(metadata: MetaData, name: str = "module_switch", *columns: Column[Any]) -> Table:
    return Table(
        name,
        metadata,
        Column("id", Integer, primary_key=True),
        Column("ticket_system_enabled", Boolean, nullable=False),
        *columns,
        Column("changed_at", DateTime(timezone=True), nullable=False),
        CheckConstraint("id = 1", name=f"{name}_single_row"),
    )


class ModuleSwitchProjection:
    """`service`: the consumer's durable is `<service>-ticket-settings`."""

    def __init__(self, service: str, table: Table, *, why: str, more: MoreValues | None = None) -> None:
        self.table = table
        self.switch = table.c.ticket_system_enabled
        self._more = more
        self.consumer = EventConsumer(
            declare_consumer(
                ConsumerSpec(
                    durable=f"{service}-ticket-settings",
                    stream="TICKETING",
                    filter_subject="ticketing.settings.changed",
                    description=why,
                )
            )
        )
        self.consumer.on(TicketSettingsChanged)(self.changed)

    async def changed(self, session: AsyncSession, event: TicketSettingsChanged) -> None:
        await self._keep(session, event.data, event.time)

    async def apply_state(self, session: AsyncSession, state: SettingsState) -> None:
        """The settings as ticketing has them now, under the events' rule."""
        await self._keep(session, state.settings, state.changed_at)

    async def _keep(self, session: AsyncSession, settings: TicketSettingsData, time: datetime) -> None:
        table = self.table
        values = {
            "ticket_system_enabled": settings.ticket_system_enabled,
            **(self._more(settings) if self._more else {}),
            "changed_at": time,
        }
        await session.execute(
            insert(table)
            .values(id=1, **values)
            .on_conflict_do_update(index_elements=["id"], set_=values, where=table.c.changed_at <= time)
        )
