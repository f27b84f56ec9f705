"""The SLA engine's events: its SLA definitions (ticketing attaches them to customers, itsm to
incidents), the deadlines it sets on tickets (`sla.deadlines.<department_id>`, applied by ticketing)
and those it sets on incidents (`sla.incident_deadlines`, applied by itsm)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from helpdesk_common.contracts.envelope import EventEnvelope

# The share of a window still left at which an SLA warns (sla_warning, the warning chip) and at which
# its chip turns critical, unless the SLA sets its own (docs/sla.md).
DEFAULT_WARNING_SHARE = 0.5
DEFAULT_CRITICAL_SHARE = 0.2
# What reopening does to the deadlines: tickets keep those set at creation (seed 10.15); incidents
# count again from the reopen time.
ReopenRule = Literal["keep_deadlines", "restart_from_reopen"]
Outcome = Literal["met", "breached"]


class SlaDefinitionSnapshot(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: uuid.UUID
    name: str
    response_hours: int | None = None
    resolution_hours: int | None = None
    priority_override: Literal["low", "medium", "high", "critical"] | None = None
    description: str = ""
    warning_share: float = DEFAULT_WARNING_SHARE
    critical_share: float = DEFAULT_CRITICAL_SHARE
    # Null: continuous wall-clock hours; else the business calendar the hours are counted in.
    calendar_id: uuid.UUID | None = None
    pause_while_waiting: bool = False
    on_reopen: ReopenRule = "keep_deadlines"


class SlaDefinitionData(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    sla: SlaDefinitionSnapshot


class _SlaDefinitionEvent(EventEnvelope[Any]):
    stream = "SLA"
    subject_verb: ClassVar[str]

    def bus_subject(self) -> str:
        return f"sla.definition.{self.subject_verb}"


class SlaDefinitionUpserted(_SlaDefinitionEvent):
    """An SLA definition was created or changed."""

    event_type = "sla_definition_upserted"
    subject_verb = "upserted"
    type: Literal["sla_definition_upserted"]
    data: SlaDefinitionData


class SlaDefinitionRemoved(_SlaDefinitionEvent):
    """An SLA definition was deleted."""

    event_type = "sla_definition_removed"
    subject_verb = "removed"
    type: Literal["sla_definition_removed"]
    data: SlaDefinitionData


SLA_DEFINITION_EVENTS: tuple[type[_SlaDefinitionEvent], ...] = (SlaDefinitionUpserted, SlaDefinitionRemoved)


class SlaDeadlines(BaseModel):
    """A ticket's deadlines as the engine computed them; null where the SLA sets no time, or the ticket
    has no SLA any more. The warning and critical instants are where the SLA's shares of the window
    fall in its clock (a business calendar, pauses), so a reader compares them with the time and
    never computes shares itself; the outcomes are set once a target is met or breached."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    ticket_id: uuid.UUID
    ticket_number: str
    department_id: uuid.UUID | None
    sla_id: uuid.UUID | None
    response_due_at: datetime | None
    resolution_due_at: datetime | None
    response_warning_at: datetime | None = None
    response_critical_at: datetime | None = None
    resolution_warning_at: datetime | None = None
    resolution_critical_at: datetime | None = None
    response_outcome: Outcome | None = None
    resolution_outcome: Outcome | None = None
    # Set while the ticket waits under an SLA that pauses then: its deadlines move when it resumes.
    paused_since: datetime | None = None
    # Counts up with each change of one ticket's deadlines: a reader applies only a higher one, since
    # consumers in several processes may apply them out of order. 0 before revisions were counted.
    revision: int = 0


class SlaDeadlinesSet(EventEnvelope[Any]):
    """A ticket's SLA deadlines were set or changed (its SLA was attached, replaced or removed)."""

    event_type = "sla_deadlines_set"
    stream = "SLA"
    type: Literal["sla_deadlines_set"]
    data: SlaDeadlines

    def bus_subject(self) -> str:
        return f"sla.deadlines.{self.data.department_id or 'none'}"

    @classmethod
    def channel(cls) -> str:
        return "sla.deadlines.{department_id}"


class SlaIncidentDeadlines(BaseModel):
    """An incident's deadlines as the engine computed them, as `SlaDeadlines` are a ticket's: null where
    the SLA sets no time, or the incident has no SLA any more. Both windows count from `started_at`,
    the incident's creation or its last reopening (docs/sla.md, "Incidents"). An outcome is set once
    its target is met (acknowledged, resolved or closed by its deadline) or breached (the deadline
    passed first); a breach is never taken back."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    incident_id: uuid.UUID
    incident_number: str
    sla_id: uuid.UUID | None
    started_at: datetime
    response_due_at: datetime | None
    resolution_due_at: datetime | None
    response_warning_at: datetime | None = None
    response_critical_at: datetime | None = None
    resolution_warning_at: datetime | None = None
    resolution_critical_at: datetime | None = None
    response_outcome: Outcome | None = None
    resolution_outcome: Outcome | None = None
    # Counts up with each change of one incident's deadlines or outcomes, from 1: a reader applies
    # only a higher one, since consumers in several processes may apply them out of order.
    revision: int


class SlaIncidentDeadlinesSet(EventEnvelope[Any]):
    """An incident's SLA deadlines were set, changed (its SLA was set, replaced or removed, or it was
    reopened), met or breached."""

    event_type = "sla_incident_deadlines_set"
    stream = "SLA"
    type: Literal["sla_incident_deadlines_set"]
    data: SlaIncidentDeadlines

    def bus_subject(self) -> str:
        return "sla.incident_deadlines"


SLA_EVENTS: tuple[type[EventEnvelope[Any]], ...] = (
    *SLA_DEFINITION_EVENTS,
    SlaDeadlinesSet,
    SlaIncidentDeadlinesSet,
)
