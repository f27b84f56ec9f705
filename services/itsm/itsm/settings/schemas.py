"""Bodies of the ITSM settings: the storm detector, the auto-close window, the priority matrix and the
account-wide defaults."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from helpdesk_common.contracts.itsm import IncidentPriority, Level
from helpdesk_common.inputs import RequestModel

MatrixBody = dict[Level, dict[Level, IncidentPriority]]


class ItsmSettingsOut(BaseModel):
    storm_window_minutes: int
    storm_host_threshold: int
    auto_close_hours: int
    priority_matrix: MatrixBody = Field(description="Impact, then urgency, to a priority.")
    default_sla_id: uuid.UUID | None
    default_escalation_policy_id: uuid.UUID | None
    updated_at: datetime | None


class ItsmSettingsIn(RequestModel):
    storm_window_minutes: int = Field(ge=1, le=1440, description="The storm detector's window.")
    storm_host_threshold: int = Field(ge=2, le=10000, description="Distinct hosts that make a storm.")
    auto_close_hours: int = Field(ge=1, le=720, description="Resolved this long without a reopen: closed.")
    priority_matrix: MatrixBody = Field(description="All nine cells: impact, then urgency.")
    default_sla_id: uuid.UUID | None = None
    default_escalation_policy_id: uuid.UUID | None = None
