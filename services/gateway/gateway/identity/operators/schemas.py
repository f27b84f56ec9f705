"""Request and response bodies of the operators API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, EmailStr, Field

from helpdesk_common.inputs import NotNull, RequestModel, Verbatim

USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$"
# Sign-in compares the password as typed, so it is stored as typed.
Password = Annotated[str, Verbatim, Field(min_length=10, max_length=1024)]


class OperatorCreate(RequestModel):
    username: str = Field(pattern=USERNAME_PATTERN, description="2-64 letters, digits, '.', '_', '@', '-'.")
    email: EmailStr
    display_name: str = Field(min_length=1, max_length=200)
    password: Password
    default_department_id: uuid.UUID | None = None
    active: bool = True
    flags: list[str] = []
    role_ids: list[uuid.UUID] = []


class OperatorUpdate(RequestModel):
    """Only the fields sent change; null clears the default department."""

    username: Annotated[str | None, NotNull] = Field(default=None, pattern=USERNAME_PATTERN)
    email: Annotated[EmailStr | None, NotNull] = None
    display_name: Annotated[str | None, NotNull] = Field(default=None, min_length=1, max_length=200)
    password: Annotated[Password | None, NotNull] = None
    default_department_id: uuid.UUID | None = None
    active: Annotated[bool | None, NotNull] = None
    flags: Annotated[list[str] | None, NotNull] = None
    role_ids: Annotated[list[uuid.UUID] | None, NotNull] = None


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
