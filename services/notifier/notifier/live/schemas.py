"""The live updates' request and response bodies."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict

from notifier.live.presence import PresenceState


class PresenceIn(BaseModel):
    """Sent when the operator opens a ticket, starts or stops writing, and again as a heartbeat."""

    model_config = ConfigDict(extra="forbid")

    ticket_id: uuid.UUID
    state: PresenceState


class PresenceOut(BaseModel):
    # Renew before this many seconds have passed, or the others see the operator leave.
    ttl_seconds: float


class UnreadOut(BaseModel):
    count: int
