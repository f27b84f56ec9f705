"""The consumers that turn events into webhook deliveries, each one durable shared by every webhook
worker, so the events are a work queue: the eight ticket events (`ticket.>`), for the webhooks of the
ticket's department, and the eight incident events (`itsm.incident.>`), for the ITSM account's
webhooks. Each event becomes one queued delivery per matching webhook in the inbox's transaction; the
worker loop (worker.py) does the sending, outside any ack deadline."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import event as sqlalchemy_event
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.bus.consumer import EventConsumer
from helpdesk_common.bus.topology import ConsumerSpec, declare_consumer
from helpdesk_common.contracts.itsm import INCIDENT_EVENTS, IncidentChangeData, IncidentSnapshot
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
from notifier.config import NotifierSettings
from notifier.deliveries.service import department_name, queue
from notifier.webhooks.scopes import ITSM, WebhookScope

ticket_events_consumer = EventConsumer(
    declare_consumer(
        ConsumerSpec(
            durable="notifier-webhooks",
            stream="TICKET_EVENTS",
            filter_subject="ticket.>",
            description="One webhook delivery per matching webhook of the ticket's department.",
        )
    )
)
incident_events_consumer = EventConsumer(
    declare_consumer(
        ConsumerSpec(
            durable="notifier-incident-webhooks",
            stream="ITSM",
            filter_subject="itsm.incident.>",
            description="One webhook delivery per matching ITSM webhook of the incident event.",
        )
    )
)
WEBHOOK_EVENTS = (
    TicketCreated,
    TicketUpdated,
    TicketClosed,
    TicketAssigned,
    CommentAdded,
    SlaWarning,
    SlaBreached,
    AutoClosed,
)

# Set once a delivery is committed, so a worker loop in this process starts at once rather than at
# its next poll.
queued = asyncio.Event()
_settings: list[NotifierSettings] = []


def use_settings(settings: NotifierSettings) -> None:
    """The console link ({{url}}) comes from the settings of the process the consumer runs in."""
    _settings[:] = [settings]


def _current_settings() -> NotifierSettings:
    """From the process's HELPDESK_* settings unless `use_settings` chose others."""
    if not _settings:
        use_settings(NotifierSettings())
    return _settings[0]


async def placeholder_values(session: AsyncSession, event: Any, ticket: TicketSnapshot) -> dict[str, str]:
    """The ten placeholders of seed 10.16 as of the event."""
    department = await department_name(session, ticket.department_id) if ticket.department_id else ""
    return {
        "ticket_number": ticket.number,
        "subject": ticket.title,
        "status": ticket.status.value,
        "priority": ticket.priority.value,
        "assigned_to": ticket.assignee_username or "",
        "customer": ticket.customer_name or "",
        "department": department,
        "event": event.type,
        "timestamp": event.time.isoformat(),
        "url": _current_settings().ticket_url(ticket.number),
    }


def incident_placeholder_values(event: Any) -> dict[str, str]:
    """An ITSM webhook's placeholders (templates.INCIDENT_PLACEHOLDERS) as of the event; a field the
    incident does not have is empty."""
    data: IncidentChangeData = event.data
    incident: IncidentSnapshot = data.incident
    return {
        "incident_number": incident.number,
        "title": incident.title,
        "status": incident.status,
        "priority": incident.priority,
        "severity": incident.severity,
        "impact": incident.impact,
        "urgency": incident.urgency,
        "host": incident.host or "",
        "source": incident.source or "",
        "rule": incident.rule or "",
        "assigned_to": incident.assignee_username or incident.assignee_idp_user or "",
        "assignment_group_id": str(incident.assignment_group_id or ""),
        "escalation_level": str(incident.escalation_level),
        "resolution_code": incident.resolution_code or "",
        "note": data.note or "",
        "event": event.type,
        "timestamp": event.time.isoformat(),
        "url": _current_settings().incident_url(incident.id),
    }


def _wake_the_workers(session: AsyncSession) -> None:
    sqlalchemy_event.listen(session.sync_session, "after_commit", lambda _: queued.set(), once=True)


async def on_ticket_event(session: AsyncSession, event: Any) -> None:
    ticket: TicketSnapshot = event.data.ticket
    if ticket.department_id is None:
        return
    added = await queue(
        session,
        scope=WebhookScope(ticket.department_id),
        event_id=event.id,
        event_type=event.type,
        ticket_id=ticket.id,
        values=await placeholder_values(session, event, ticket),
    )
    if added:
        _wake_the_workers(session)


async def on_incident_event(session: AsyncSession, event: Any) -> None:
    added = await queue(
        session,
        scope=ITSM,
        event_id=event.id,
        event_type=event.type,
        incident_id=event.data.incident.id,
        values=incident_placeholder_values(event),
    )
    if added:
        _wake_the_workers(session)


for contract in WEBHOOK_EVENTS:
    ticket_events_consumer.on(contract)(on_ticket_event)
for incident_contract in INCIDENT_EVENTS:
    incident_events_consumer.on(incident_contract)(on_incident_event)
