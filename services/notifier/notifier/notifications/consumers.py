"""The consumer of the eight ticket events that sends the departments' notification e-mails: for each
event a department selected, one `mail_outbound_requested` per recipient (through the department's
SMTP, by the mail gateway's sender role), written to the outbox in the inbox's transaction.

A redelivered event sends nothing twice: the inbox passes it over, and each mail's event id and
Message-ID are made from the ticket event's id and the recipient, so JetStream's duplicate window and
the mail gateway's unique Message-ID catch any copy that got past it. The mails are `automatic`
(`Auto-Submitted: auto-generated`), so no auto-responder answers them."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.bus.consumer import EventConsumer
from helpdesk_common.bus.topology import ConsumerSpec, declare_consumer
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
from notifier.notifications.mails import compose
from notifier.notifications.service import Subscription, subscriptions
from notifier.tables import departments

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
