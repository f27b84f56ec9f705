"""Bodies of the customers API (seed 10.11)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, field_validator

from helpdesk_common.inputs import NotNull, RequestModel
from ticketing.contacts.schemas import ContactOut
from ticketing.departments.schemas import DepartmentOut
from ticketing.settings.schemas import normalise_prefix
from ticketing.tickets.schemas import TicketRow


class _Body(RequestModel):
    @field_validator("ticket_number_prefix", check_fields=False)
    @classmethod
    def _prefix(cls, value: str | None) -> str | None:
        return None if value in (None, "") else normalise_prefix(value)


class CustomerCreate(_Body):
    company_name: str = Field(min_length=1, max_length=200)
    address: str = Field(default="", max_length=2000)
    tenant_id: uuid.UUID | None = None
    sla_id: uuid.UUID | None = None
    ticket_number_prefix: str | None = Field(default=None, max_length=32)
    notes: str = Field(default="", max_length=10000)


class CustomerUpdate(_Body):
    """Only the fields sent change; null clears the tenant, the SLA and the prefix."""

    company_name: Annotated[str | None, NotNull] = Field(default=None, min_length=1, max_length=200)
    address: Annotated[str | None, NotNull] = Field(default=None, max_length=2000)
    tenant_id: uuid.UUID | None = None
    sla_id: uuid.UUID | None = None
    ticket_number_prefix: str | None = Field(default=None, max_length=32)
    notes: Annotated[str | None, NotNull] = Field(default=None, max_length=10000)


class CustomerOut(BaseModel):
    id: uuid.UUID
    company_name: str
    address: str
    tenant_id: uuid.UUID | None
    tenant_name: str | None
    sla_id: uuid.UUID | None
    sla_name: str | None
    ticket_number_prefix: str | None
    notes: str
    contacts_count: int
    created_at: datetime
    updated_at: datetime


class CustomerDetail(CustomerOut):
    """The customer page: the company with its departments and its contacts (devices inline)."""

    departments: list[DepartmentOut]
    contacts: list[ContactOut]
    tickets: list[TicketRow] = Field(description="The customer's most recently updated tickets.")


class CustomerRemovedOut(BaseModel):
    customer_id: uuid.UUID
    department_ids: list[uuid.UUID]
    contact_ids: list[uuid.UUID]
    device_links_removed: int


class SlaChoice(BaseModel):
    """An entry of the SLA library as the customer form's SLA picker shows it (seed 10.11)."""

    id: uuid.UUID
    name: str
