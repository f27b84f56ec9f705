"""The ITSM service's incident events (`itsm.incident.<event>`, stream ITSM): each carries the whole
incident after the change, the fields that changed, and who changed it (null for the platform itself:
correlation, the SLA, the auto-close sweep). docs/itsm.md has the rules behind each field."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from helpdesk_common.contracts.alerts import AlertSeverity
from helpdesk_common.contracts.envelope import EventEnvelope

IncidentStatus = Literal["open", "acknowledged", "resolved", "closed"]
IncidentPriority = Literal["P1", "P2", "P3", "P4"]
# ITIL's three levels of impact and of urgency.
Level = Literal["high", "medium", "low"]
ResolutionCode = Literal["resolved", "workaround", "duplicate", "not_reproducible", "by_design"]
RESOLUTION_CODES: tuple[ResolutionCode, ...] = (
    "resolved",
    "workaround",
    "duplicate",
    "not_reproducible",
    "by_design",
)


class _Data(BaseModel):
    # Producers may add fields in a minor change; consumers ignore what they do not know.
    model_config = ConfigDict(extra="ignore", frozen=True)


class EnrichedValue(_Data):
    """A value set at creation and where it came from (`severity`, `host count`, `host group`, ...)."""

    value: Any
    origin: str


class IncidentSnapshot(_Data):
    """The incident as it is after the change: consumers keep projections from this alone."""

    id: uuid.UUID
    number: str
    title: str
    description: str = ""
    status: IncidentStatus
    severity: AlertSeverity
    impact: Level
    urgency: Level
    priority: IncidentPriority
    category: str | None = None
    subcategory: str | None = None
    # The alert source that opened it; null for an incident created by hand.
    source: str | None = None
    host: str | None = None
    rule: str | None = None
    is_storm: bool = False
    # The storm incident this one was gathered into.
    storm_id: uuid.UUID | None = None
    alert_count: int = 0
    host_count: int = 0
    first_seen_at: datetime | None = None
    last_seen_at: datetime | None = None
    # The organisation (inventory tenant) of its host, and the host's group.
    tenant_id: uuid.UUID | None = None
    host_group_id: uuid.UUID | None = None
    sla_id: uuid.UUID | None = None
    escalation_policy_id: uuid.UUID | None = None
    escalation_level: int = 0
    assignee_id: uuid.UUID | None = None
    assignee_username: str | None = None
    assignee_idp_user: str | None = None
    assignment_group_id: uuid.UUID | None = None
    resolution_code: ResolutionCode | None = None
    resolution_notes: str | None = None
    enrichment: dict[str, EnrichedValue] = {}
    created_by_id: uuid.UUID | None = None
    created_at: datetime
    updated_at: datetime
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    # When it was last reopened: SLA windows count again from here.
    reopened_at: datetime | None = None


class FieldChange(_Data):
    old: Any
    new: Any


class IncidentChangeData(_Data):
    incident: IncidentSnapshot
    changes: dict[str, FieldChange] = {}
    actor_id: uuid.UUID | None = None
    # The note written with the change (a bulk action's comment, a reopen's notes), if any.
    note: str | None = None


class _IncidentEvent(EventEnvelope[Any]):
    stream = "ITSM"
    subject_verb: ClassVar[str]
    data: IncidentChangeData

    def bus_subject(self) -> str:
        return f"itsm.incident.{self.subject_verb}"


class IncidentCreated(_IncidentEvent):
    """An incident was opened: by an alert, a storm, or by hand."""

    event_type = "incident_created"
    subject_verb = "created"
    type: Literal["incident_created"]


class IncidentUpdated(_IncidentEvent):
    """Fields of an incident changed: an alert added to it, an edit, an SLA set."""

    event_type = "incident_updated"
    subject_verb = "updated"
    type: Literal["incident_updated"]


class IncidentAssigned(_IncidentEvent):
    """An incident's operator, identity-provider user or assignment group changed."""

    event_type = "incident_assigned"
    subject_verb = "assigned"
    type: Literal["incident_assigned"]


class IncidentAcknowledged(_IncidentEvent):
    """Somebody (or the alert source) acknowledged the incident."""

    event_type = "incident_acknowledged"
    subject_verb = "acknowledged"
    type: Literal["incident_acknowledged"]


class IncidentEscalated(_IncidentEvent):
    """The incident's escalation level went up (by hand, or by an SLA breach)."""

    event_type = "incident_escalated"
    subject_verb = "escalated"
    type: Literal["incident_escalated"]


class IncidentResolved(_IncidentEvent):
    """The incident was resolved, with its resolution code and notes."""

    event_type = "incident_resolved"
    subject_verb = "resolved"
    type: Literal["incident_resolved"]


class IncidentReopened(_IncidentEvent):
    """A resolved incident was opened again; its SLA windows count from now."""

    event_type = "incident_reopened"
    subject_verb = "reopened"
    type: Literal["incident_reopened"]


class IncidentClosed(_IncidentEvent):
    """The incident was closed (by the auto-close sweep after it stayed resolved, or gathered into a
    storm)."""

    event_type = "incident_closed"
    subject_verb = "closed"
    type: Literal["incident_closed"]


INCIDENT_EVENTS: tuple[type[_IncidentEvent], ...] = (
    IncidentCreated,
    IncidentUpdated,
    IncidentAssigned,
    IncidentAcknowledged,
    IncidentEscalated,
    IncidentResolved,
    IncidentReopened,
    IncidentClosed,
)
# The names notification settings and webhooks use, as for tickets (`ticket_created`, ...).
INCIDENT_EVENT_NAMES: tuple[str, ...] = tuple(contract.event_type for contract in INCIDENT_EVENTS)
