"""The consumers that send notification e-mails: of the eight ticket events, for each event a
department selected, one `mail_outbound_requested` per recipient (through the department's SMTP, by
the mail gateway's sender role); of the eight incident events, one per recipient of the event's rule
(its addresses, and the assignee's), through the SMTP of the department the ITSM settings name. Each
is written to the outbox in the inbox's transaction.

A redelivered event sends nothing twice: the inbox passes it over, and each mail's event id and
Message-ID are made from the event's id and the recipient, so JetStream's duplicate window and
the mail gateway's unique Message-ID catch any copy that got past it. The mails are `automatic`
(`Auto-Submitted: auto-generated`), so no auto-responder answers them."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.bus.consumer import EventConsumer
from helpdesk_common.bus.topology import ConsumerSpec, declare_consumer
from helpdesk_common.contracts.itsm import INCIDENT_EVENTS, IncidentChangeData
from helpdesk_common.contracts.mail import MailOutboundRequested, OutboundMail
from helpdesk_common.contracts.tickets import (
    AutoClosed,
    CommentAdded,
    SlaBreached,
    SlaWarning,
    TicketAssigned,
    TicketClosed,
    TicketCreated,
    TicketSnapshot,
    TicketUpdated,
)
from helpdesk_common.outbox import add_events
from notifier.config import NotifierSettings
from notifier.notifications.mails import Composed, compose, compose_incident
from notifier.notifications.service import IncidentRule, Subscription, incident_subscriptions, subscriptions
from notifier.tables import departments, operators

SOURCE = "notifier"

notifications_consumer = EventConsumer(
    declare_consumer(
        ConsumerSpec(
            durable="notifier-notifications",
            stream="TICKET_EVENTS",
            filter_subject="ticket.>",
            description="One notification e-mail per recipient for the events a department selected.",
        )
    )
)
incident_notifications_consumer = EventConsumer(
    declare_consumer(
        ConsumerSpec(
            durable="notifier-incident-notifications",
            stream="ITSM",
            filter_subject="itsm.incident.>",
            description="One notification e-mail per recipient of the incident event's rule.",
        )
    )
)
NOTIFIED_EVENTS = (
    TicketCreated,
    TicketUpdated,
    TicketClosed,
    TicketAssigned,
    CommentAdded,
    SlaWarning,
    SlaBreached,
    AutoClosed,
)
_settings: list[NotifierSettings] = []


def use_settings(settings: NotifierSettings) -> None:
    """The console link comes from the settings of the process the consumer runs in."""
    _settings[:] = [settings]


def _current_settings() -> NotifierSettings:
    """From the process's HELPDESK_* settings unless `use_settings` chose others."""
    if not _settings:
        use_settings(NotifierSettings())
    return _settings[0]


async def on_ticket_events(session: AsyncSession, events: list[Any]) -> None:
    """A run of events in one pass: one read of the departments' settings, one outbox insert."""
    department_ids = {event.data.ticket.department_id for event in events} - {None}
    if not department_ids:
        return
    subscribed = await subscriptions(session, department_ids)
    if not subscribed:
        return
    names = await _department_names(session, set(subscribed))
    settings = _current_settings()
    mails: list[MailOutboundRequested] = []
    for event in events:
        ticket: TicketSnapshot = event.data.ticket
        department_id = ticket.department_id
        subscription = subscribed.get(department_id) if department_id is not None else None
        if department_id is None or subscription is None or event.type not in subscription.events:
            continue
        mails.extend(_mails(event, ticket, subscription, names.get(department_id, ""), settings))
    await add_events(session, mails)


def _mails(
    event: Any,
    ticket: TicketSnapshot,
    subscription: Subscription,
    department: str,
    settings: NotifierSettings,
) -> list[MailOutboundRequested]:
    assert ticket.department_id is not None
    composed = compose(event, department=department, ticket_url=settings.ticket_url(ticket.number))
    mails = []
    for recipient in subscription.recipients:
        key = notification_key(event.id, recipient)
        mail = OutboundMail(
            department_id=ticket.department_id,
            ticket_id=ticket.id,
            ticket_number=ticket.number,
            to=[recipient],
            subject=composed.subject,
            body_text=composed.body.text,
            body_html=composed.body.html,
            message_id=notification_message_id(key),
            automatic=True,
        )
        built = MailOutboundRequested.build(source=SOURCE, subject=str(ticket.id), data=mail)
        mails.append(built.model_copy(update={"id": key}))
    return mails


async def on_incident_events(session: AsyncSession, events: list[Any]) -> None:
    """A run of incident events in one pass: one read of the settings, one of the assignees'
    addresses, one outbox insert."""
    subscribed = await incident_subscriptions(session)
    if subscribed is None:
        return
    wanted: list[tuple[Any, IncidentRule]] = []
    for event in events:
        rule = subscribed.rules.get(event.type)
        if rule is not None and rule.covers(event.data.incident.priority):
            wanted.append((event, rule))
    assignees = {assignee for event, rule in wanted if (assignee := _assignee_to_write(event, rule))}
    addresses = await _operator_addresses(session, assignees)
    settings = _current_settings()
    mails: list[MailOutboundRequested] = []
    for event, rule in wanted:
        data: IncidentChangeData = event.data
        recipients = list(rule.recipients)
        assignee = _assignee_to_write(event, rule)
        if assignee is not None and assignee in addresses:
            recipients.append(addresses[assignee])
        composed = compose_incident(event, incident_url=settings.incident_url(data.incident.id))
        mails.extend(
            _incident_mails(event, _once_each(recipients), subscribed.sender_department_id, composed)
        )
    await add_events(session, mails)


def _assignee_to_write(event: Any, rule: IncidentRule) -> uuid.UUID | None:
    """The incident's operator when the rule writes to them, unless they made the change themselves."""
    data: IncidentChangeData = event.data
    assignee = data.incident.assignee_id
    if not rule.assignee or assignee is None or assignee == data.actor_id:
        return None
    return assignee


async def _operator_addresses(session: AsyncSession, operator_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The active ones among these operators, with an address."""
    if not operator_ids:
        return {}
    rows = await session.execute(
        select(operators.c.id, operators.c.email).where(
            operators.c.id.in_(operator_ids), operators.c.active, operators.c.email != ""
        )
    )
    return {row.id: row.email for row in rows}


def _once_each(addresses: list[str]) -> list[str]:
    """In order, each once whatever its case (the assignee may also be on the list)."""
    found: dict[str, str] = {}
    for address in addresses:
        found.setdefault(address.lower(), address)
    return list(found.values())


def _incident_mails(
    event: Any, recipients: list[str], sender_department_id: uuid.UUID, composed: Composed
) -> list[MailOutboundRequested]:
    incident = event.data.incident
    mails = []
    for recipient in recipients:
        key = notification_key(event.id, recipient)
        # The mail contract names a ticket; an incident's mail carries the incident there, which the
        # mail gateway only stores and ticketing passes over (no comment).
        mail = OutboundMail(
            department_id=sender_department_id,
            ticket_id=incident.id,
            ticket_number=incident.number,
            to=[recipient],
            subject=composed.subject,
            body_text=composed.body.text,
            body_html=composed.body.html,
            message_id=notification_message_id(key),
            automatic=True,
        )
        built = MailOutboundRequested.build(source=SOURCE, subject=str(incident.id), data=mail)
        mails.append(built.model_copy(update={"id": key}))
    return mails


def notification_key(event_id: uuid.UUID, recipient: str) -> uuid.UUID:
    """The same for the same event and recipient, whichever process makes it and however often."""
    return uuid.uuid5(event_id, recipient.lower())


def notification_message_id(key: uuid.UUID) -> str:
    # `@helpdesk` as on ticketing's own mail; the prefix lets a reader of raw mail see what it is.
    return f"<notification.{key}@helpdesk>"


async def _department_names(session: AsyncSession, department_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    rows = await session.execute(
        select(departments.c.id, departments.c.name).where(departments.c.id.in_(department_ids))
    )
    return {row.id: row.name for row in rows}


for contract in NOTIFIED_EVENTS:
    notifications_consumer.on_batch(contract)(on_ticket_events)
for incident_contract in INCIDENT_EVENTS:
    incident_notifications_consumer.on_batch(incident_contract)(on_incident_events)
