"""The SLA engine's events: its SLA definitions (ticketing attaches them to customers) and the
deadlines it sets on tickets (`sla.deadlines.<department_id>`, applied by ticketing)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from helpdesk_common.contracts.envelope import EventEnvelope


class SlaDefinitionSnapshot(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: uuid.UUID
    name: str
    response_hours: int | None = None
    resolution_hours: int | None = None
    priority_override: Literal["low", "medium", "high", "critical"] | None = None
    description: str = ""


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
    has no SLA any more."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    ticket_id: uuid.UUID
    ticket_number: str
    department_id: uuid.UUID | None
    sla_id: uuid.UUID | None
    response_due_at: datetime | None
    resolution_due_at: datetime | None


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


SLA_EVENTS: tuple[type[EventEnvelope[Any]], ...] = (*SLA_DEFINITION_EVENTS, SlaDeadlinesSet)
