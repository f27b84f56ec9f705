"""Ticketing's state as it is now, for a service that must learn it without replaying ticketing's
events (on its first start, or after losing its database; TICKET_EVENTS and TICKETING keep only two
weeks), through helpdesk_common/projections/ticket_bootstrap.py and records_bootstrap.py. Core NATS
request-reply outside every stream; ticketing's `ticket-states` role answers all three questions (a
queue group, so any number of its processes share the requests):

- TICKET_STATES_SUBJECT: the tickets the request's scope names, a page at a time in ticket id order
  (the SLA engine, time tracking and the notifier);
- DEPARTMENT_STATES_SUBJECT: every department, a page at a time in id order, each as the snapshot its
  events carry with the time it last changed; ticketing deletes a department, so a removed one is
  simply absent (the service that missed its `department_removed` never knew it either);
- SETTINGS_STATE_SUBJECT: the module settings (the Ticket System switch among them) and when they last
  changed.

Each subject has a request and an answer of its own, so a question added later changes nothing of what
an earlier asker sends or reads; one ticketing too old to know a subject has no responder on it, which
the asker takes as silence and asks again later."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from helpdesk_common.contracts.states import StatesAnswer, StatesPage
from helpdesk_common.contracts.ticketing import DepartmentSnapshot, TicketSettingsData
from helpdesk_common.contracts.tickets import TicketSnapshot

TICKET_STATES_SUBJECT = "rpc.ticketing.ticket-states"
DEPARTMENT_STATES_SUBJECT = "rpc.ticketing.department-states"
SETTINGS_STATE_SUBJECT = "rpc.ticketing.settings-state"
# How an asker's logs name who answers these subjects.
TICKET_STATES_ANSWERER = "ticketing's ticket-states role"


class TicketScope(StrEnum):
    """Which tickets a request asks for."""

    # Every ticket under an SLA that is not closed: what the SLA engine keeps timers for.
    OPEN_UNDER_SLA = "open_under_sla"
    # Every ticket that exists, closed ones included (time is booked on closed tickets too).
    ALL = "all"


class TicketStatesRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    after: uuid.UUID | None = Field(default=None, description="The last ticket id of the page before.")
    limit: int = Field(default=200, ge=1, le=500)
    # A request without it (the SLA engine's, before there were scopes) means what it always meant.
    scope: TicketScope = Field(default=TicketScope.OPEN_UNDER_SLA, description="Which tickets.")


class TicketState(BaseModel):
    model_config = ConfigDict(extra="ignore")

    ticket: TicketSnapshot
    first_response_at: datetime | None = None


class TicketStatesPage(StatesPage[TicketState]):
    """The tickets of the scope, in ticket id order."""


class DepartmentStatesRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    after: uuid.UUID | None = Field(default=None, description="The last department id of the page before.")
    limit: int = Field(default=200, ge=1, le=500)


class DepartmentState(BaseModel):
    model_config = ConfigDict(extra="ignore")

    department: DepartmentSnapshot
    # When ticketing last changed it: the time its projections compare with their events' times.
    changed_at: datetime


class DepartmentStatesPage(StatesPage[DepartmentState]):
    """Every department, in id order."""


class SettingsStateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SettingsState(BaseModel):
    model_config = ConfigDict(extra="ignore")

    settings: TicketSettingsData
    changed_at: datetime


class SettingsStateAnswer(StatesAnswer):
    # Null only with an error: ticketing always has its settings (defaults until first saved).
    state: SettingsState | None = None
