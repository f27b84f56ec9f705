"""Request and response bodies of the roles API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from helpdesk_common.inputs import NotNull, RequestModel


class RoleCreate(RequestModel):
    name: str = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=2000)
    flags: list[str] = []


class RoleUpdate(RequestModel):
    name: Annotated[str | None, NotNull] = Field(default=None, min_length=1, max_length=100)
    description: Annotated[str | None, NotNull] = Field(default=None, max_length=2000)
    flags: Annotated[list[str] | None, NotNull] = None


class RoleOut(BaseModel):
    id: uuid.UUID
    name: str
    description: str
    flags: list[str]
    created_at: datetime
