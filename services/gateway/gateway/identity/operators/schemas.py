"""Request and response bodies of the operators API."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, EmailStr, Field

USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OperatorCreate(_Strict):
    username: str = Field(pattern=USERNAME_PATTERN, description="2-64 letters, digits, '.', '_', '@', '-'.")
    email: EmailStr
    display_name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=10, max_length=1024)
    default_department_id: uuid.UUID | None = None
    active: bool = True
    flags: list[str] = []
    role_ids: list[uuid.UUID] = []


class OperatorUpdate(_Strict):
    username: str | None = Field(default=None, pattern=USERNAME_PATTERN)
    email: EmailStr | None = None
    display_name: str | None = Field(default=None, min_length=1, max_length=200)
    password: str | None = Field(default=None, min_length=10, max_length=1024)
    default_department_id: uuid.UUID | None = None
    active: bool | None = None
    flags: list[str] | None = None
    role_ids: list[uuid.UUID] | None = None


class RoleRef(BaseModel):
    id: uuid.UUID
    name: str


class OperatorOut(BaseModel):
    id: uuid.UUID
    username: str
    email: str
    display_name: str
    default_department_id: uuid.UUID | None
    active: bool
    flags: list[str] = Field(description="Flags granted to the operator directly.")
    roles: list[RoleRef]
    effective_flags: list[str] = Field(description="Direct flags and the flags of every role.")
    department_ids: list[uuid.UUID]
    created_at: datetime
    updated_at: datetime
