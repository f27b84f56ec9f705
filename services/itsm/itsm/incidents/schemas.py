"""Bodies of the incident record: what is read (the event snapshot and its SLA deadlines), created by
hand, changed, assigned, escalated, resolved, reopened, and acted on in bulk."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from helpdesk_common.contracts.alerts import AlertSeverity
from helpdesk_common.contracts.itsm import IncidentSnapshot, IncidentStatus, Level, ResolutionCode
from helpdesk_common.inputs import BodyText, NotNull, RequestModel

Title = Annotated[str, Field(min_length=1, max_length=300)]
Notes = Annotated[BodyText, Field(max_length=20_000)]
IdpUser = Annotated[str, Field(min_length=1, max_length=255)]


class IncidentOut(IncidentSnapshot):
    response_due_at: datetime | None = None
    resolution_due_at: datetime | None = None
    sla_breached_at: datetime | None = None


class IncidentPage(BaseModel):
    items: list[IncidentOut]
    # Pass it back as `cursor` for the next page; null on the last.
    next_cursor: str | None
    counts: dict[IncidentStatus, int] = Field(description="Incidents per status under the same filters.")


class IncidentCreate(RequestModel):
    title: Title
    description: Notes = ""
    severity: AlertSeverity = "warning"
    impact: Level | None = Field(default=None, description="Else from the severity (docs/itsm.md).")
    urgency: Level | None = Field(default=None, description="Else from the severity.")
    category: Annotated[str, Field(min_length=1, max_length=120)] | None = None
    subcategory: Annotated[str, Field(min_length=1, max_length=120)] | None = None
    host: Annotated[str, Field(min_length=1, max_length=255)] | None = None
    sla_id: uuid.UUID | None = Field(default=None, description="Else from the host's group or the defaults.")
    assignee_id: uuid.UUID | None = None
    assignee_idp_user: IdpUser | None = None
    assignment_group_id: uuid.UUID | None = None


class IncidentUpdate(RequestModel):
    """Fields left out keep their value; impact or urgency changed gives the matrix's priority."""

    title: Annotated[Title | None, NotNull] = None
    description: Annotated[Notes | None, NotNull] = None
    severity: Annotated[AlertSeverity | None, NotNull] = None
    impact: Annotated[Level | None, NotNull] = None
    urgency: Annotated[Level | None, NotNull] = None
    category: Annotated[str, Field(max_length=120)] | None = None
    subcategory: Annotated[str, Field(max_length=120)] | None = None
    sla_id: uuid.UUID | None = None


class AssignIn(RequestModel):
    """Any combination; every field null (or left out) unassigns."""

    assignee_id: uuid.UUID | None = None
    assignee_idp_user: IdpUser | None = None
    assignment_group_id: uuid.UUID | None = None


class EscalateIn(RequestModel):
    reason: Annotated[str, Field(max_length=2000)] = ""


class AcknowledgeIn(RequestModel):
    note: Notes | None = None


class ResolveIn(RequestModel):
    resolution_code: ResolutionCode
    resolution_notes: Notes = ""


class ReopenIn(RequestModel):
    notes: Notes = Field(default="", description="Appended to the notes as `[Reopened] <notes>`.")


class BulkIn(RequestModel):
    action: Literal["acknowledge", "resolve"]
    incident_ids: list[uuid.UUID] = Field(min_length=1, max_length=500)
    comment: Notes = Field(default="", description="Appended to each affected incident's notes.")
    resolution_code: ResolutionCode = Field(default="resolved", description="For `resolve`.")


class BulkSkipped(BaseModel):
    id: uuid.UUID
    reason: str


class BulkOut(BaseModel):
    requested: int
    affected: int
    affected_ids: list[uuid.UUID]
    skipped: list[BulkSkipped]
