"""Bodies of alert sources and their integration keys; a key's secret is in the answer that made it
and nowhere else."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from helpdesk_common.inputs import NotNull, RequestModel

SourceName = Annotated[
    str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$", description="Its subject token: alerts.<name>.")
]
Rate = Annotated[int, Field(ge=1, le=1_000_000, description="Alerts per minute over HTTP.")]


class KeyOut(BaseModel):
    id: uuid.UUID
    hint: str = Field(description="The key's last characters.")
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class NewKeyOut(KeyOut):
    key: str = Field(description="The integration key: shown this once, stored only as a hash.")


class SourceOut(BaseModel):
    id: uuid.UUID
    name: str
    description: str
    rate_per_minute: int
    enabled: bool
    created_at: datetime
    last_alert_at: datetime | None
    keys: list[KeyOut]


class NewSourceOut(SourceOut):
    new_key: NewKeyOut


class SourceIn(RequestModel):
    name: SourceName
    description: Annotated[str, Field(max_length=2000)] = ""
    rate_per_minute: Rate = 6000


class SourceUpdate(RequestModel):
    description: Annotated[Annotated[str, Field(max_length=2000)] | None, NotNull] = None
    rate_per_minute: Annotated[Rate | None, NotNull] = None
    enabled: Annotated[bool | None, NotNull] = None
