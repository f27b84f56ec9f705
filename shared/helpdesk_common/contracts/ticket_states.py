"""Ticketing's tickets as they are now, for a service that must learn them without replaying the
ticket events (the SLA engine on its first start, or after losing its database; TICKET_EVENTS keeps
only two weeks). Core NATS request-reply on TICKET_STATES_SUBJECT, outside every stream, a page at a
time in ticket id order; ticketing's `ticket-states` role answers (a queue group, so any number of
its processes share the requests)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from helpdesk_common.contracts.tickets import TicketSnapshot

TICKET_STATES_SUBJECT = "rpc.ticketing.ticket-states"


class TicketStatesRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    after: uuid.UUID | None = Field(default=None, description="The last ticket id of the page before.")
    limit: int = Field(default=200, ge=1, le=500)


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
