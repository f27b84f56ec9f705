"""Bodies of the SLA definitions API (seed 10.15)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from helpdesk_common.inputs import NotNull, RequestModel

PriorityOverride = Literal["low", "medium", "high", "critical"]
# Ten years: enough for any promise, and far from the limits of timestamp arithmetic.
MAX_HOURS = 87_600
# Strict: "4", 4.0 or true are not hours.
Hours = Annotated[int, Field(strict=True, gt=0, le=MAX_HOURS)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Description = Annotated[str, Field(max_length=4000)]
HOURS_HELP = "Wall-clock hours from the ticket's creation; null for no deadline."
OVERRIDE_HELP = "The minimum priority of tickets under this SLA; null for none."


class SlaDefinitionCreate(RequestModel):
    name: Name
    response_hours: Hours | None = Field(default=None, description=HOURS_HELP)
    resolution_hours: Hours | None = Field(default=None, description=HOURS_HELP)
    priority_override: PriorityOverride | None = Field(default=None, description=OVERRIDE_HELP)
    description: Description = ""


class SlaDefinitionUpdate(RequestModel):
    """Only the fields sent change; null clears the hours or the override. Name and description are
    never null (the name is required, an empty description is "")."""

    name: Annotated[Name | None, NotNull] = None
    response_hours: Hours | None = Field(default=None, description=HOURS_HELP)
    resolution_hours: Hours | None = Field(default=None, description=HOURS_HELP)
    priority_override: PriorityOverride | None = Field(default=None, description=OVERRIDE_HELP)
    description: Annotated[Description | None, NotNull] = None


class SlaDefinitionOut(BaseModel):
    id: uuid.UUID
    name: str
    response_hours: int | None
    resolution_hours: int | None
    priority_override: PriorityOverride | None
    description: str
    created_at: datetime
    updated_at: datetime
