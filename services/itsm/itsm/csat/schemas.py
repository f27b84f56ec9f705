"""Bodies of incident CSAT: a response, the summary cards, the report."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from helpdesk_common.inputs import BodyText, RequestModel


class CsatIn(RequestModel):
    rating: int = Field(ge=1, le=5, description="1 (very unhappy) to 5 (very happy).")
    comment: Annotated[BodyText, Field(max_length=5000)] = ""


class CsatResponse(BaseModel):
    id: uuid.UUID
    actor_id: uuid.UUID
    actor_name: str
    rating: int
    comment: str
    created_at: datetime
    updated_at: datetime


class CsatSummary(BaseModel):
    average: float | None = Field(description="Null without responses.")
    count: int
    # Responses per rating, "1" to "5".
    breakdown: dict[str, int]


class IncidentCsat(BaseModel):
    summary: CsatSummary
    responses: list[CsatResponse]
    # Whether a response may be submitted now (resolved or closed).
    open_for_responses: bool


class CsatReportRow(BaseModel):
    incident_id: uuid.UUID
    number: str
    title: str
    average: float
    count: int


class CsatReport(BaseModel):
    summary: CsatSummary
    incidents: list[CsatReportRow]
