"""The time tracking service's events (`time.<event>`, stream TIME): an entry booked (a manual entry
saved, or an automatic one closed by its timer) and an entry deleted. A running timer's entry is not
announced until it is closed: only booked time is time anyone counts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from helpdesk_common.contracts.envelope import EventEnvelope

# What time is booked on: a ticket, or an incident of ITSM's.
WorkItemKind = Literal["ticket", "incident"]
EntryOrigin = Literal["manual", "automatic"]
# Why an entry went: an operator deleted it, or its ticket was deleted (and took its entries along).
DeletionReason = Literal["deleted", "ticket_deleted"]


class _Data(BaseModel):
    # Producers may add fields in a minor change; consumers ignore what they do not know.
    model_config = ConfigDict(extra="ignore", frozen=True)


class TimeEntrySnapshot(_Data):
    """A booked entry as it is stored: `rounded_seconds` was computed when it was booked, with its
    department's rounding step and mode of that moment, and does not change when they do."""

    id: uuid.UUID
    work_item_kind: WorkItemKind
    work_item_id: uuid.UUID
    # The ticket's or incident's number as the time tracker knew it (null when it never heard of it).
    work_item_number: str | None = None
    department_id: uuid.UUID | None = None
    user_id: uuid.UUID
    username: str
    started_at: datetime
    ended_at: datetime
    duration_seconds: int
    rounded_seconds: int
    notes: str
    origin: EntryOrigin
    billable: bool
    created_at: datetime


class TimeEntryBookedData(_Data):
    entry: TimeEntrySnapshot


class TimeEntryDeletedData(_Data):
    entry: TimeEntrySnapshot
    reason: DeletionReason
    # Who deleted it; null when its ticket's deletion took it (incidents are closed, never deleted).
    actor_id: uuid.UUID | None = Field(default=None)


class _TimeEvent(EventEnvelope[Any]):
    stream = "TIME"
    subject_name: ClassVar[str]

    def bus_subject(self) -> str:
        return f"time.{self.subject_name}"


class TimeEntryBooked(_TimeEvent):
    """A manual entry was booked, or an automatic entry was closed by its timer."""

    event_type = "time_entry_booked"
    subject_name = "entry_booked"
    type: Literal["time_entry_booked"]
    data: TimeEntryBookedData


class TimeEntryDeleted(_TimeEvent):
    """A booked entry was deleted (by an operator, or with its ticket)."""

    event_type = "time_entry_deleted"
    subject_name = "entry_deleted"
    type: Literal["time_entry_deleted"]
    data: TimeEntryDeletedData


TIME_EVENTS: tuple[type[_TimeEvent], ...] = (TimeEntryBooked, TimeEntryDeleted)
