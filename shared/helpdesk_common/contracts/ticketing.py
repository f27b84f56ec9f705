"""Ticketing's record events (not ticket events): settings, departments, customers, for the services
that follow them (mail gateway, notifier, SLA engine, time tracking, gateway)."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from helpdesk_common.contracts.envelope import EventEnvelope


class _Data(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class TicketSettingsData(_Data):
    ticket_system_enabled: bool
    ticket_number_prefix: str
    blocked_extensions: list[str]
    actor_id: uuid.UUID | None = None


class _TicketingEvent(EventEnvelope[Any]):
    stream = "TICKETING"
    subject_name: ClassVar[str]

    def bus_subject(self) -> str:
        return f"ticketing.{self.subject_name}"


class TicketSettingsChanged(_TicketingEvent):
    """The module settings after a change: the master switch, the number prefix, blocked extensions."""

    event_type = "ticket_settings_changed"
    subject_name = "settings.changed"
    type: Literal["ticket_settings_changed"]
    data: TicketSettingsData


class DepartmentSnapshot(_Data):
    id: uuid.UUID
    name: str
    enabled: bool
    customer_id: uuid.UUID | None = None
    member_ids: list[uuid.UUID] = []


class DepartmentData(_Data):
    department: DepartmentSnapshot


class DepartmentChanged(_TicketingEvent):
    """A department was created or changed; carries its members (for the gateway's token claims)."""

    event_type = "department_changed"
    subject_name = "department.changed"
    type: Literal["department_changed"]
    data: DepartmentData


class DepartmentRemoved(_TicketingEvent):
    """A department was deleted (alone, or with its customer); the snapshot is its last state."""

    event_type = "department_removed"
    subject_name = "department.removed"
    type: Literal["department_removed"]
    data: DepartmentData


class CustomerRemovedData(_Data):
    customer_id: uuid.UUID
    company_name: str
    department_ids: list[uuid.UUID]
    contact_ids: list[uuid.UUID]
    device_links_removed: int


class CustomerRemoved(_TicketingEvent):
    """A customer was deleted with everything the cascade took (seed 10.11's warning)."""

    event_type = "customer_removed"
    subject_name = "customer.removed"
    type: Literal["customer_removed"]
    data: CustomerRemovedData


TICKETING_EVENTS: tuple[type[_TicketingEvent], ...] = (
    TicketSettingsChanged,
    DepartmentChanged,
    DepartmentRemoved,
    CustomerRemoved,
)
