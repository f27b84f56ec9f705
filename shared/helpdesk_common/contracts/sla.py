"""SLA definitions from the SLA engine, so ticketing can attach them to customers."""

from __future__ import annotations

import uuid
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
