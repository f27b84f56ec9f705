"""Bodies of the SLA compliance read (issue 18; definitions in docs/sla.md)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field


class TargetCompliance(BaseModel):
    """One target (response or resolution) over the tickets of a group."""

    met: int = Field(description="Targets done by their deadline.")
    breached: int = Field(description="Targets done after their deadline, or still open past it.")
    pending: int = Field(description="Targets still open, their deadline ahead: not counted in the rate.")
    compliance: float | None = Field(description="met / (met + breached); null when none is decided.")


class GroupCompliance(BaseModel):
    id: uuid.UUID | None = Field(description="The department, customer or operator; null for none.")
    name: str | None = Field(default=None, description="The operator's username, where known.")
    tickets: int
    response: TargetCompliance
    resolution: TargetCompliance


class ComplianceReport(BaseModel):
    since: datetime
    until: datetime
    computed_at: datetime = Field(description="Open targets past their deadline count as breached then.")
    total: GroupCompliance
    by_department: list[GroupCompliance]
    by_customer: list[GroupCompliance]
    by_operator: list[GroupCompliance]
