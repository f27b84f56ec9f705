"""The incident report: booked time per incident and per operator over a range of local days, each
split into billable and non-billable."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from helpdesk_common.contracts.itsm import IncidentStatus
from timetracking.entries.schemas import Totals

LocalDate = date


class IncidentTime(Totals):
    incident_id: uuid.UUID
    number: str
    title: str
    status: IncidentStatus = Field(description="As ITSM last announced it.")


class OperatorTime(Totals):
    user_id: uuid.UUID
    username: str


class IncidentReport(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: LocalDate = Field(alias="from")
    to: LocalDate
    time_zone: str
    total: Totals
    incidents: list[IncidentTime] = Field(description="By number.")
    operators: list[OperatorTime] = Field(description="By username.")
