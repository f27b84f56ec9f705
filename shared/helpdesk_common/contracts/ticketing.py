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


TICKETING_EVENTS: tuple[type[_TicketingEvent], ...] = (TicketSettingsChanged,)
