"""The consumer of the eight ticket events (`ticket.*`): one durable shared by every webhook worker,
so the events are a work queue. Each event becomes one queued delivery per matching webhook in the
inbox's transaction; the worker loop (worker.py) does the sending, outside any ack deadline."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import event as sqlalchemy_event
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.bus.consumer import EventConsumer
from helpdesk_common.bus.topology import ConsumerSpec, declare_consumer
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


def _console_url() -> str:
    """From the process's HELPDESK_* settings unless `use_settings` chose others."""
    if not _settings:
        use_settings(NotifierSettings())
    return _settings[0].console_url.rstrip("/")


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
        "url": f"{_console_url()}/tickets/{ticket.number}",
    }


async def on_ticket_event(session: AsyncSession, event: Any) -> None:
    ticket: TicketSnapshot = event.data.ticket
    if ticket.department_id is None:
        return
    added = await queue(
        session,
        department_id=ticket.department_id,
        event_id=event.id,
        event_type=event.type,
        ticket_id=ticket.id,
        values=await placeholder_values(session, event, ticket),
    )
    if added:
        sqlalchemy_event.listen(session.sync_session, "after_commit", lambda _: queued.set(), once=True)


for contract in WEBHOOK_EVENTS:
    ticket_events_consumer.on(contract)(on_ticket_event)
