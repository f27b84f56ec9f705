"""Bodies of the tickets API (seed 10.3 to 10.7)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator
from pydantic_core import PydanticCustomError

from helpdesk_common.bodies import BodyFormat
from helpdesk_common.contracts.tickets import TicketPriority, TicketSource, TicketStatus
from helpdesk_common.inputs import BodyText, NotNull, RequestModel
from ticketing.contacts.schemas import LinkedDevice

# "met" and "breached" on a resolved or closed ticket say what became of its targets; "paused" is a
# ticket waiting under an SLA that stops its clocks then.
SlaState = Literal["none", "ok", "warning", "critical", "breached", "met", "paused"]


class MessageBody(RequestModel):
    body: BodyText = Field(max_length=1_000_000)
    body_format: BodyFormat = "rich_text"


class TicketCreate(RequestModel):
    title: str = Field(max_length=500)
    department_id: uuid.UUID | None = None
    priority: TicketPriority = TicketPriority.MEDIUM
    contact_id: uuid.UUID | None = None
    contact_email: EmailStr | None = None
    assignee_id: uuid.UUID | None = None
    type_id: uuid.UUID | None = None
    label_ids: list[uuid.UUID] = Field(default=[], max_length=50)
    description: MessageBody | None = None

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        return required_title(value)


def required_title(value: str) -> str:
    """Seed 10.6: an empty title is refused with exactly this message."""
    if not value:
        raise PydanticCustomError("title_required", "Title is required")
    return value


class TicketUpdate(RequestModel):
    """Only the fields sent change; null clears department, contact, assignee and type."""

    title: Annotated[str | None, NotNull] = Field(default=None, max_length=500)
    status: Annotated[TicketStatus | None, NotNull] = None
    priority: Annotated[TicketPriority | None, NotNull] = None
    department_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None
    contact_email: EmailStr | None = None
    contact_name: str | None = Field(
        default=None,
        max_length=200,
        description="The name of a contact known only by e-mail (no linked contact); blank or null "
        "clears it. A linked contact's name is changed on the contact.",
    )
    assignee_id: uuid.UUID | None = None
    type_id: uuid.UUID | None = None
    label_ids: Annotated[list[uuid.UUID] | None, NotNull] = Field(default=None, max_length=50)

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        return required_title(value)

    @field_validator("contact_name")
    @classmethod
    def _contact_name(cls, value: str | None) -> str | None:
        return (value or "").strip() or None


class CloseRequest(RequestModel):
    comment: BodyText = Field(default="", max_length=100_000)


class Numbers(RequestModel):
    numbers: list[str] = Field(min_length=1, max_length=1000)


Tab = Literal["all", "open", "in_progress", "waiting", "resolved", "closed"]


class QueueQuery(RequestModel):
    # A query string may carry what the queue does not read (a cache buster, a console's own state).
    model_config = ConfigDict(extra="ignore")

    tab: Tab = "open"
    department_id: uuid.UUID | None = None
    priority: Literal["low", "medium", "high", "critical"] | None = None
    assignee: str | None = Field(default=None, description="An operator id, or 'unassigned'.")
    type_id: uuid.UUID | None = None
    label_id: uuid.UUID | None = None
    customer_id: uuid.UUID | None = None
    search: str | None = Field(default=None, max_length=200)
    sort: Literal["updated_at", "created_at", "number", "priority"] = "updated_at"
    order: Literal["asc", "desc"] = "desc"
    limit: int = Field(default=50, ge=1, le=200)
    cursor: str | None = Field(default=None, max_length=500)
    counts: bool = Field(
        default=True,
        description="False: the rows only (counts null). The console asks GET /api/tickets/counts beside "
        "it, so that a search many tickets match paints its rows before they are all counted.",
    )


class Ref(BaseModel):
    id: uuid.UUID
    name: str


class OperatorRef(BaseModel):
    id: uuid.UUID
    username: str
    display_name: str


class LabelRef(BaseModel):
    id: uuid.UUID
    name: str
    color: str


class ContactRef(BaseModel):
    id: uuid.UUID | None
    name: str | None
    email: str | None


class LastContact(BaseModel):
    direction: Literal["inbound", "outbound"]
    at: datetime


class Sla(BaseModel):
    sla_id: uuid.UUID | None
    response_due_at: datetime | None
    resolution_due_at: datetime | None
    response_outcome: Literal["met", "breached"] | None = Field(
        default=None, description="Set once the first response was sent: before or after its deadline."
    )
    resolution_outcome: Literal["met", "breached"] | None = Field(
        default=None, description="Set once the ticket was resolved: before or after its deadline."
    )
    paused_since: datetime | None = Field(
        default=None, description="While the ticket waits under an SLA that pauses then."
    )
    state: SlaState


class TicketOut(BaseModel):
    id: uuid.UUID
    number: str
    title: str
    status: TicketStatus
    priority: TicketPriority
    source: TicketSource
    department: Ref | None
    assignee: OperatorRef | None
    contact: ContactRef
    customer: Ref | None
    type: Ref | None
    labels: list[LabelRef]
    devices: list[LinkedDevice] = Field(
        description="The linked contact's devices, by name (seed 10.6: a ticket reaches devices "
        "through its contact, and they show on its Details tab)."
    )
    sla: Sla
    last_contact: LastContact | None
    created_by_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None


class TicketRow(BaseModel):
    """One row of the queue: the nine columns of seed 10.3, plus what a row needs to be acted on."""

    id: uuid.UUID
    number: str
    title: str
    contact: ContactRef
    status: TicketStatus
    priority: TicketPriority
    last_contact: LastContact | None
    sla_state: SlaState
    updated_at: datetime
    assignee: OperatorRef | None
    department_id: uuid.UUID | None


class Queue(BaseModel):
    rows: list[TicketRow]
    counts: dict[str, int] | None = Field(
        description="Per tab, for the current filters and search; null when asked for without counts."
    )
    next_cursor: str | None


class QueueCounts(BaseModel):
    counts: dict[str, int] = Field(description="Per tab, for the current filters and search.")


class BulkResult(BaseModel):
    affected: list[str]
    not_found: list[str]
