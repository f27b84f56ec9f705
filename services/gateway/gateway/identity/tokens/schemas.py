"""Request and response bodies of the API tokens API."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from helpdesk_common.inputs import RequestModel


class TokenCreate(RequestModel):
    name: str = Field(min_length=1, max_length=100)
    expires_in_days: int = Field(default=90, ge=1, le=3650)


class TokenOut(BaseModel):
    id: uuid.UUID
    name: str
    prefix: str = Field(description="The first characters of the token, to recognise it.")
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenOut):
    token: str = Field(description="The token itself. It is shown this once and never again.")
