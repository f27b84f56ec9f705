"""How a service without its copy of ticketing's tickets (a first deploy, a lost database) learns them:
not by replaying TICKET_EVENTS (two weeks, and no older ticket), but by asking ticketing for the
tickets as they are now (contracts/ticket_states.py), page by page, each applied by the service's own
`apply`, the rule its events go through, through the shared bootstrap (bootstrap.py: the durable
consumer first, an advisory lock, a marker).

`apply` must keep the newer of a snapshot and an event already applied (snapshots carry `updated_at`).
A service declares the marker (`ticket_bootstrap_table`) in its metadata, creates it in a migration,
and runs `keep_trying` from a job of its `jobs` role, with a retry interval of its own settings.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import MetaData, Table

from helpdesk_common.contracts.ticket_states import (
    TICKET_STATES_ANSWERER,
    TICKET_STATES_SUBJECT,
    TicketScope,
    TicketState,
    TicketStatesPage,
    TicketStatesRequest,
)
from helpdesk_common.projections.bootstrap import PagedBootstrap, bootstrap_table


def ticket_bootstrap_table(metadata: MetaData, name: str = "ticket_bootstrap") -> Table:
    """One row (id 1) once the tickets were learnt: when, and how many."""
    return bootstrap_table(metadata, name, "tickets")


@dataclass(frozen=True, kw_only=True)
class TicketBootstrap(PagedBootstrap[TicketState]):
    """`consumer` the durable of the ticket events made to exist first; `scope` which tickets to ask
    for."""

    answerer = TICKET_STATES_ANSWERER
    subject = TICKET_STATES_SUBJECT
    page = TicketStatesPage
    kind = "tickets"

    scope: TicketScope

    def request(self, after: uuid.UUID | None) -> TicketStatesRequest:
        return TicketStatesRequest(after=after, limit=self.page_size, scope=self.scope)
