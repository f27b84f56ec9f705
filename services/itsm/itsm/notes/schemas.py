"""Bodies of incident notes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from helpdesk_common.inputs import BodyText, RequestModel


class NoteIn(RequestModel):
    body: Annotated[BodyText, Field(min_length=1, max_length=20_000)]


class NoteOut(BaseModel):
    id: uuid.UUID
    incident_id: uuid.UUID
    author_id: uuid.UUID | None
    author_name: str | None
    body: str
    created_at: datetime
    updated_at: datetime
