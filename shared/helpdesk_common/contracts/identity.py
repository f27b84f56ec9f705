"""Operator events from the gateway, so other services keep their own projection of operators."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from helpdesk_common.contracts.envelope import EventEnvelope


class OperatorSnapshot(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: uuid.UUID
    username: str
    email: str
    display_name: str
    active: bool
    default_department_id: uuid.UUID | None = None


class OperatorData(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    operator: OperatorSnapshot


class _IdentityEvent(EventEnvelope[Any]):
    stream = "IDENTITY"
    subject_verb: ClassVar[str]

    def bus_subject(self) -> str:
        return f"identity.operator.{self.subject_verb}"


class OperatorUpserted(_IdentityEvent):
    """An operator was created or changed (username, name, email, active, default department)."""

    event_type = "operator_upserted"
    subject_verb = "upserted"
    type: Literal["operator_upserted"]
    data: OperatorData


class OperatorRemoved(_IdentityEvent):
    """An operator was deleted; the snapshot is the last state it had."""

    event_type = "operator_removed"
    subject_verb = "removed"
    type: Literal["operator_removed"]
    data: OperatorData


IDENTITY_EVENTS: tuple[type[_IdentityEvent], ...] = (OperatorUpserted, OperatorRemoved)
