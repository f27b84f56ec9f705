"""Bodies of a department's time settings: the auto-timer's switch and timeouts, and the rounding step
and mode. Each value out of range is a 422 under its own field, saying the range."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field

from helpdesk_common.inputs import RequestModel
from timetracking.rounding import RoundingMode

DAY_MINUTES = 1440
DEFAULT_IDLE_TIMEOUT_MINUTES = 5
DEFAULT_CONFIRM_TIMEOUT_MINUTES = 60


def _between(low: int, high: int, what: str) -> Callable[[int], int]:
    def check(value: int) -> int:
        if not low <= value <= high:
            raise ValueError(f"{what} is {low} to {high} minutes (a day); {value} is outside.")
        return value

    return check


# Strict: "5", 5.5 or true are not minutes. The range is checked by a validator of our own, for a
# message in words; the schema still names it.
IdleTimeout = Annotated[
    int,
    Field(
        strict=True,
        description="Minutes without activity on the ticket after which the timer's entry ends at the last "
        "activity; the next interaction starts a new entry.",
        json_schema_extra={"minimum": 1, "maximum": DAY_MINUTES},
    ),
    AfterValidator(_between(1, DAY_MINUTES, "The idle timeout")),
]
ConfirmTimeout = Annotated[
    int,
    Field(
        strict=True,
        description="Minutes after which the operator is asked to confirm they still work on the ticket; "
        "without a confirmation the entry ends when it fell due.",
        json_schema_extra={"minimum": 1, "maximum": DAY_MINUTES},
    ),
    AfterValidator(_between(1, DAY_MINUTES, "The confirm timeout")),
]
Rounding = Annotated[
    int,
    Field(
        strict=True,
        description="The step rounded durations snap to, in minutes; 0 is exact.",
        json_schema_extra={"minimum": 0, "maximum": DAY_MINUTES},
    ),
    AfterValidator(_between(0, DAY_MINUTES, "The rounding step")),
]
MODE_HELP = "up: to the next whole step (a started step counts); nearest: to the closest step, half up."


class TimeSettingsIn(RequestModel):
    """The whole section as saved; a value left out takes its default."""

    enabled: bool = Field(default=False, strict=True, description="Whether the auto-timer runs.")
    idle_timeout_minutes: IdleTimeout = DEFAULT_IDLE_TIMEOUT_MINUTES
    confirm_timeout_minutes: ConfirmTimeout = DEFAULT_CONFIRM_TIMEOUT_MINUTES
    rounding_minutes: Rounding = 0
    rounding_mode: RoundingMode = Field(default="up", description=MODE_HELP)


class TimeSettingsOut(BaseModel):
    department_id: uuid.UUID
    enabled: bool
    idle_timeout_minutes: int
    confirm_timeout_minutes: int
    rounding_minutes: int
    rounding_mode: RoundingMode = Field(description=MODE_HELP)
    updated_at: datetime | None = Field(description="Null while the department's settings were never saved.")
