"""Bodies of the auto-close policy's runs."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from helpdesk_common.inputs import RequestModel


class AutoCloseIn(RequestModel):
    stale_hours: int | None = Field(
        default=None, ge=1, le=720, description="Else the settings' auto_close_hours."
    )
    dry_run: bool = Field(default=False, description="Only list the eligible incidents.")


class AutoCloseRun(BaseModel):
    id: uuid.UUID
    at: datetime
    actor_id: uuid.UUID | None
    actor_name: str
    stale_hours: int
    dry_run: bool
    # The eligible incidents of a preview, or the ones this run closed.
    incident_ids: list[uuid.UUID]
