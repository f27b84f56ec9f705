"""Reading and changing the module settings; a change is published for the mail gateway."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.contracts.ticket_states import SettingsState, SettingsStateAnswer
from helpdesk_common.contracts.ticketing import TicketSettingsChanged, TicketSettingsData
from helpdesk_common.outbox import add_event
from ticketing.settings.schemas import ModuleSettingsOut, ModuleSettingsUpdate
from ticketing.tables.settings import module_settings


async def read_settings(session: AsyncSession) -> ModuleSettingsOut:
    row = (await session.execute(select(module_settings).where(module_settings.c.id == 1))).one()
    return ModuleSettingsOut.model_validate(row, from_attributes=True)


async def settings_state(session: AsyncSession) -> SettingsStateAnswer:
    """The settings as their events carry them, with when they last changed (the `ticket-states` role,
    for a service learning the switch without replaying TICKETING)."""
    settings = await read_settings(session)
    return SettingsStateAnswer(state=SettingsState(settings=_data(settings), changed_at=settings.updated_at))


async def change_settings(
    session: AsyncSession, *, actor_id: uuid.UUID, data: ModuleSettingsUpdate
) -> ModuleSettingsOut:
    await session.execute(
        update(module_settings)
        .where(module_settings.c.id == 1)
        .values(**data.model_dump(), updated_at=datetime.now(UTC), updated_by=actor_id)
    )
    changed = await read_settings(session)
    event = TicketSettingsChanged.build(source="ticketing", subject="module_settings", data=_data(changed))
    await add_event(session, event)
    return changed


def _data(settings: ModuleSettingsOut) -> TicketSettingsData:
    return TicketSettingsData(
        ticket_system_enabled=settings.ticket_system_enabled,
        ticket_number_prefix=settings.ticket_number_prefix,
        blocked_extensions=settings.blocked_extensions,
        actor_id=settings.updated_by,
    )
