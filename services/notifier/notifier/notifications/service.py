"""The rules of notification settings: a department's only for a department ticketing has told us of;
the ITSM account's sent through a known department's mailbox; each saved whole (the console's section
is one form); read by the event consumers for a run of events at once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.errors import ValidationFailed
from notifier.notifications.schemas import (
    IncidentEventRule,
    IncidentNotificationEvents,
    IncidentNotificationsIn,
    IncidentNotificationsOut,
    NotificationEvents,
    NotificationSettingsIn,
    NotificationSettingsOut,
    SenderDepartment,
    parse_recipients,
)
from notifier.projections import departments_projection
from notifier.tables import departments, incident_notification_settings, notification_settings

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


_incidents = incident_notification_settings
_ONE_ROW = 1


@dataclass(frozen=True)
class IncidentRule:
    """Whom one incident event writes to, as the consumer reads it."""

    recipients: list[str]
    assignee: bool
    priorities: frozenset[str]

    def covers(self, priority: str) -> bool:
        return not self.priorities or priority in self.priorities


@dataclass(frozen=True)
class IncidentSubscriptions:
    sender_department_id: uuid.UUID
    rules: dict[str, IncidentRule]


async def read_incident_settings(session: AsyncSession) -> IncidentNotificationsOut:
    """Never saved: nobody is written to about anything."""
    row = (await session.execute(_incident_settings_query())).first()
    if row is None:
        return IncidentNotificationsOut(
            sender_department_id=None,
            sender_department=None,
            events=IncidentNotificationEvents(),
            updated_at=None,
        )
    return _incident_out(row)


async def save_incident_settings(
    session: AsyncSession, *, data: IncidentNotificationsIn
) -> IncidentNotificationsOut:
    """422 under `sender_department_id` for a department ticketing never announced, or for none while
    an event writes to anyone (the mail gateway sends only through a department's mailbox)."""
    sender = data.sender_department_id
    if sender is not None and not await _department_known(session, sender):
        raise ValidationFailed("sender_department_id", f"The department {sender} does not exist.")
    rules = {name: rule for name, rule in data.events.rules().items() if rule.writes()}
    if rules and sender is None:
        raise ValidationFailed(
            "sender_department_id",
            "Incident e-mails are sent through a department's outbound mailbox: choose the department.",
        )
    values: dict[str, Any] = {
        "sender_department_id": sender,
        "rules": {name: _stored_rule(rule) for name, rule in rules.items()},
    }
    await session.execute(
        insert(_incidents)
        .values(id=_ONE_ROW, **values)
        .on_conflict_do_update(index_elements=[_incidents.c.id], set_={**values, "updated_at": func.now()})
    )
    return await read_incident_settings(session)


async def sender_departments(session: AsyncSession) -> list[SenderDepartment]:
    """The departments ticketing announced, by name: those that may send the incident e-mails."""
    rows = await session.execute(
        select(departments.c.id, departments.c.name)
        .where(departments.c.removed_at.is_(None))
        .order_by(departments.c.name, departments.c.id)
    )
    return [SenderDepartment(id=row.id, name=row.name) for row in rows]


async def incident_subscriptions(session: AsyncSession) -> IncidentSubscriptions | None:
    """What the incident events write, or None while they write to nobody (never saved, no rule, or
    the sending department was removed)."""
    row = (
        await session.execute(
            select(_incidents.c.sender_department_id, _incidents.c.rules).where(_incidents.c.id == _ONE_ROW)
        )
    ).first()
    if row is None or row.sender_department_id is None or not row.rules:
        return None
    rules = {
        name: IncidentRule(
            recipients=list(rule["recipients"]),
            assignee=bool(rule["assignee"]),
            priorities=frozenset(rule["priorities"]),
        )
        for name, rule in row.rules.items()
    }
    return IncidentSubscriptions(row.sender_department_id, rules)


async def _department_known(session: AsyncSession, department_id: uuid.UUID) -> bool:
    query = select(departments.c.id).where(
        departments.c.id == department_id, departments.c.removed_at.is_(None)
    )
    return (await session.execute(query)).first() is not None


def _stored_rule(rule: IncidentEventRule) -> dict[str, Any]:
    return {
        "recipients": parse_recipients(rule.recipients),
        "assignee": rule.assignee,
        "priorities": list(rule.priorities),
    }


def _incident_settings_query() -> Any:
    return (
        select(_incidents, departments.c.name.label("sender_department"))
        .outerjoin(departments, departments.c.id == _incidents.c.sender_department_id)
        .where(_incidents.c.id == _ONE_ROW)
    )


def _incident_out(row: Any) -> IncidentNotificationsOut:
    events = {
        name: {
            "recipients": ", ".join(rule["recipients"]),
            "assignee": rule["assignee"],
            "priorities": rule["priorities"],
        }
        for name, rule in row.rules.items()
    }
    return IncidentNotificationsOut.model_validate(
        {
            "sender_department_id": row.sender_department_id,
            "sender_department": row.sender_department,
            "events": events,
            "updated_at": row.updated_at,
        }
    )
