"""Bodies of the timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class TimelineEntry(BaseModel):
    at: datetime
    # created, alert, status, assignment, escalation, note, updated, storm, sla
    kind: str
    # The operator's username, or the alert source's name; null for the platform itself.
    actor: str | None
    summary: str
    details: dict[str, Any]
