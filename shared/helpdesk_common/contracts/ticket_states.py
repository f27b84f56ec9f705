"""Ticketing's tickets as they are now, for a service that must learn them without replaying the
ticket events (on its first start, or after losing its database; TICKET_EVENTS keeps only two weeks):
the SLA engine, time tracking and the notifier, through helpdesk_common/projections/ticket_bootstrap.py.
Core NATS request-reply on TICKET_STATES_SUBJECT, outside every stream, a page at a time in ticket id
order, of the tickets the request's scope names; ticketing's `ticket-states` role answers (a queue
group, so any number of its processes share the requests)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from helpdesk_common.contracts.tickets import TicketSnapshot

TICKET_STATES_SUBJECT = "rpc.ticketing.ticket-states"


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


class TicketStatesPage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    states: list[TicketState] = []
    # Null once the last page was sent.
    next_after: uuid.UUID | None = None
    # Set instead of states when the request could not be read.
    error: str | None = None
