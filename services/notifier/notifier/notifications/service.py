"""The rules of a department's notification settings: only for a department ticketing has told us of;
saved whole (the console's section is one form); read by the ticket-event consumer for a run of events
at once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from notifier.notifications.schemas import (
    NotificationEvents,
    NotificationSettingsIn,
    NotificationSettingsOut,
    parse_recipients,
)
from notifier.projections import departments_projection
from notifier.tables import notification_settings

_table = notification_settings


@dataclass(frozen=True)
class Subscription:
    """Who a department writes to, and for which events."""

    recipients: list[str]
    events: frozenset[str]


async def read(session: AsyncSession, department_id: uuid.UUID) -> NotificationSettingsOut:
    await departments_projection.ensure_known(session, department_id)
    row = (await session.execute(select(_table).where(_table.c.department_id == department_id))).first()
    if row is None:
        return NotificationSettingsOut(
            department_id=department_id, recipients="", events=NotificationEvents(), updated_at=None
        )
    return _out(row.department_id, row.recipients, row.events, row.updated_at)


async def save(
    session: AsyncSession, *, department_id: uuid.UUID, data: NotificationSettingsIn
) -> NotificationSettingsOut:
    await departments_projection.ensure_known(session, department_id)
    values = {"recipients": parse_recipients(data.recipients), "events": data.events.selected()}
    row = (
        await session.execute(
            insert(_table)
            .values(department_id=department_id, **values)
            .on_conflict_do_update(
                index_elements=[_table.c.department_id], set_={**values, "updated_at": func.now()}
            )
            .returning(*_table.c)
        )
    ).one()
    return _out(row.department_id, row.recipients, row.events, row.updated_at)


async def subscriptions(
    session: AsyncSession, department_ids: set[uuid.UUID]
) -> dict[uuid.UUID, Subscription]:
    """The departments among these that write to anyone about anything."""
    rows = await session.execute(
        select(_table.c.department_id, _table.c.recipients, _table.c.events).where(
            _table.c.department_id.in_(department_ids),
            func.cardinality(_table.c.recipients) > 0,
            func.cardinality(_table.c.events) > 0,
        )
    )
    return {row.department_id: Subscription(list(row.recipients), frozenset(row.events)) for row in rows}


def _out(
    department_id: uuid.UUID, recipients: list[str], events: list[str], updated_at: object
) -> NotificationSettingsOut:
    return NotificationSettingsOut.model_validate(
        {
            "department_id": department_id,
            "recipients": ", ".join(recipients),
            "events": NotificationEvents.of(events),
            "updated_at": updated_at,
        }
    )
