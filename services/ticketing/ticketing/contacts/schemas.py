"""Bodies of the contacts API (seed 10.12)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, EmailStr, Field

from helpdesk_common.inputs import NotNull, RequestModel


class ContactCreate(RequestModel):
    first_name: str = Field(default="", max_length=200)
    last_name: str = Field(default="", max_length=200)
    email: EmailStr
    phone: str = Field(default="", max_length=100)
    position: str = Field(default="", max_length=200)
    customer_id: uuid.UUID | None = None
    department_id: uuid.UUID | None = None
    notes: str = Field(default="", max_length=10000)
    device_ids: list[uuid.UUID] = Field(default=[], max_length=500)


class ContactUpdate(RequestModel):
    """Only the fields sent change; null clears the customer and the department."""

    first_name: Annotated[str | None, NotNull] = Field(default=None, max_length=200)
    last_name: Annotated[str | None, NotNull] = Field(default=None, max_length=200)
    email: Annotated[EmailStr | None, NotNull] = None
    phone: Annotated[str | None, NotNull] = Field(default=None, max_length=100)
    position: Annotated[str | None, NotNull] = Field(default=None, max_length=200)
    customer_id: uuid.UUID | None = None
    department_id: uuid.UUID | None = None
    notes: Annotated[str | None, NotNull] = Field(default=None, max_length=10000)
    device_ids: Annotated[list[uuid.UUID] | None, NotNull] = Field(default=None, max_length=500)


class LinkedDevice(BaseModel):
    id: uuid.UUID
    name: str
    attributes: dict[str, object]


class ContactOut(BaseModel):
    id: uuid.UUID
    first_name: str
    last_name: str
    email: str
    phone: str
    position: str
    customer_id: uuid.UUID | None
    company_name: str | None
    department_id: uuid.UUID | None
    notes: str
    devices: list[LinkedDevice]
    created_at: datetime
    updated_at: datetime
