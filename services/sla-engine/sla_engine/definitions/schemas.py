"""Bodies of the SLA definitions API (seed 10.15)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from helpdesk_common.contracts.sla import DEFAULT_CRITICAL_SHARE, DEFAULT_WARNING_SHARE, ReopenRule
from helpdesk_common.inputs import NotNull, RequestModel

PriorityOverride = Literal["low", "medium", "high", "critical"]
# Ten years: enough for any promise, and far from the limits of timestamp arithmetic.
MAX_HOURS = 87_600
# Strict: "4", 4.0 or true are not hours.
Hours = Annotated[int, Field(strict=True, gt=0, le=MAX_HOURS)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Description = Annotated[str, Field(max_length=4000)]
HOURS_HELP = (
    "Hours from the ticket's creation, counted in wall-clock time or in the calendar's working hours; "
    "null for no deadline."
)
OVERRIDE_HELP = "The minimum priority of tickets under this SLA; null for none."
# Shares of the window still left: strictly between 0 and 1, critical below warning.
Share = Annotated[float, Field(gt=0, lt=1)]
WARNING_HELP = "The share of the window still left at which sla_warning fires and the chip turns warning."
CRITICAL_HELP = "The share of the window still left below which the chip turns critical."
CALENDAR_HELP = "The business calendar whose working hours the SLA counts; null for wall-clock hours."
PAUSE_HELP = "Whether both clocks stop while the ticket is Waiting, the deadlines moving by as much."
REOPEN_HELP = (
    "keep_deadlines: a reopened ticket keeps the deadlines set at its creation (seed 10.15); "
    "restart_from_reopen: both windows count again from the reopening."
)


class SlaDefinitionCreate(RequestModel):
    name: Name
    response_hours: Hours | None = Field(default=None, description=HOURS_HELP)
    resolution_hours: Hours | None = Field(default=None, description=HOURS_HELP)
    priority_override: PriorityOverride | None = Field(default=None, description=OVERRIDE_HELP)
    description: Description = ""
    warning_share: Share = Field(default=DEFAULT_WARNING_SHARE, description=WARNING_HELP)
    critical_share: Share = Field(default=DEFAULT_CRITICAL_SHARE, description=CRITICAL_HELP)
    calendar_id: uuid.UUID | None = Field(default=None, description=CALENDAR_HELP)
    pause_while_waiting: bool = Field(default=False, description=PAUSE_HELP)
    on_reopen: ReopenRule = Field(default="keep_deadlines", description=REOPEN_HELP)


class SlaDefinitionUpdate(RequestModel):
    """Only the fields sent change; null clears the hours, the override or the calendar. The others
    are never null. A share sent alone is checked against the stored other one (service.py)."""

    name: Annotated[Name | None, NotNull] = None
    response_hours: Hours | None = Field(default=None, description=HOURS_HELP)
    resolution_hours: Hours | None = Field(default=None, description=HOURS_HELP)
    priority_override: PriorityOverride | None = Field(default=None, description=OVERRIDE_HELP)
    description: Annotated[Description | None, NotNull] = None
    warning_share: Annotated[Share | None, NotNull] = Field(default=None, description=WARNING_HELP)
    critical_share: Annotated[Share | None, NotNull] = Field(default=None, description=CRITICAL_HELP)
    calendar_id: uuid.UUID | None = Field(default=None, description=CALENDAR_HELP)
    pause_while_waiting: Annotated[bool | None, NotNull] = Field(default=None, description=PAUSE_HELP)
    on_reopen: Annotated[ReopenRule | None, NotNull] = Field(default=None, description=REOPEN_HELP)


class SlaDefinitionOut(BaseModel):
    id: uuid.UUID
    name: str
    response_hours: int | None
    resolution_hours: int | None
    priority_override: PriorityOverride | None
    description: str
    warning_share: float
    critical_share: float
    calendar_id: uuid.UUID | None
    pause_while_waiting: bool
    on_reopen: ReopenRule
    created_at: datetime
    updated_at: datetime
