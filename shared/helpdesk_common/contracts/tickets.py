"""The eight ticket events (names as in the seed: ticket_created ... auto_closed)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from helpdesk_common.contracts.envelope import EventEnvelope


class TicketStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    WAITING = "waiting"
    RESOLVED = "resolved"
    CLOSED = "closed"


class TicketPriority(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class TicketSource(StrEnum):
    MANUAL = "manual"
    EMAIL = "email"


class CommentDirection(StrEnum):
    INTERNAL = "internal"
    OUTBOUND = "outbound"
    INBOUND = "inbound"


class _Data(BaseModel):
    # Producers may add fields in a minor change; consumers ignore what they do not know.
    model_config = ConfigDict(extra="ignore", frozen=True)


class TicketSnapshot(_Data):
    """The ticket as it is after the change: consumers keep projections from this alone."""

    id: uuid.UUID
    number: str
    title: str
    status: TicketStatus
    priority: TicketPriority
    source: TicketSource
    department_id: uuid.UUID | None
    assignee_id: uuid.UUID | None = None
    assignee_username: str | None = None
    contact_id: uuid.UUID | None = None
    contact_email: str | None = None
    contact_name: str | None = None
    customer_id: uuid.UUID | None = None
    # The customer's company name as of the change, for readers that show it (webhooks' {{customer}}).
    customer_name: str | None = None
    sla_id: uuid.UUID | None = None
    type_id: uuid.UUID | None = None
    label_ids: list[uuid.UUID] = []
    created_by_id: uuid.UUID | None = None
    created_at: datetime
    updated_at: datetime


class FieldChange(_Data):
    old: Any
    new: Any


class InboundOrigin(_Data):
    """The e-mail a ticket was created from (ticket_created of Source Email only): what the mail
    gateway's auto-reply needs to answer it once, threaded, and never to a machine."""

    message_id: str
    from_address: str
    # Why the message was sent by a machine (Auto-Submitted, Precedence, a mailer-daemon, ...), or
    # None for a person.
    automatic: str | None = None


class TicketChangeData(_Data):
    ticket: TicketSnapshot
    changes: dict[str, FieldChange] = {}
    actor_id: uuid.UUID | None = None
    inbound: InboundOrigin | None = None


class CommentSnapshot(_Data):
    id: uuid.UUID
    direction: CommentDirection
    author_id: uuid.UUID | None
    author_name: str | None
    body_text: str
    body_html: str
    created_at: datetime


class CommentAddedData(_Data):
    ticket: TicketSnapshot
    comment: CommentSnapshot


class SlaTimerData(_Data):
    ticket: TicketSnapshot
    sla_id: uuid.UUID
    deadline: Literal["response", "resolution"]
    due_at: datetime


class AutoClosedData(_Data):
    ticket: TicketSnapshot
    inactive_days: int
    note: str


class _TicketEvent(EventEnvelope[Any]):
    stream = "TICKET_EVENTS"
    subject_verb: ClassVar[str]

    def bus_subject(self) -> str:
        department = self.data.ticket.department_id
        return f"ticket.{self.subject_verb}.{department or 'none'}"

    @classmethod
    def channel(cls) -> str:
        return f"ticket.{cls.subject_verb}.{{department_id}}"


class TicketCreated(_TicketEvent):
    event_type = "ticket_created"
    subject_verb = "created"
    type: Literal["ticket_created"]
    data: TicketChangeData


class TicketUpdated(_TicketEvent):
    event_type = "ticket_updated"
    subject_verb = "updated"
    type: Literal["ticket_updated"]
    data: TicketChangeData


class TicketClosed(_TicketEvent):
    event_type = "ticket_closed"
    subject_verb = "closed"
    type: Literal["ticket_closed"]
    data: TicketChangeData


class TicketAssigned(_TicketEvent):
    event_type = "ticket_assigned"
    subject_verb = "assigned"
    type: Literal["ticket_assigned"]
    data: TicketChangeData


class TicketDeleted(_TicketEvent):
    """Not one of the seed's eight: a hard delete (10.6), so that every service holding something of
    the ticket (SLA timers, notifications, time entries) lets it go. `ticket` is its last state."""

    event_type = "ticket_deleted"
    subject_verb = "deleted"
    type: Literal["ticket_deleted"]
    data: TicketChangeData


class CommentAdded(_TicketEvent):
    event_type = "comment_added"
    subject_verb = "comment_added"
    type: Literal["comment_added"]
    data: CommentAddedData


class SlaWarning(_TicketEvent):
    event_type = "sla_warning"
    subject_verb = "sla_warning"
    type: Literal["sla_warning"]
    data: SlaTimerData


class SlaBreached(_TicketEvent):
    event_type = "sla_breached"
    subject_verb = "sla_breached"
    type: Literal["sla_breached"]
    data: SlaTimerData


class AutoClosed(_TicketEvent):
    event_type = "auto_closed"
    subject_verb = "auto_closed"
    type: Literal["auto_closed"]
    data: AutoClosedData


TICKET_EVENTS: tuple[type[_TicketEvent], ...] = (
    TicketCreated,
    TicketUpdated,
    TicketClosed,
    TicketAssigned,
    CommentAdded,
    SlaWarning,
    SlaBreached,
    AutoClosed,
    TicketDeleted,
)
