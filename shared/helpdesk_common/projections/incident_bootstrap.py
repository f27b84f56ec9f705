"""How a service without its copy of ITSM's incidents (a first deploy, a lost database) learns them: not
by replaying the ITSM stream (two weeks, and no older incident), but by asking itsm for the incidents as
they are now (contracts/incident_states.py), page by page, each applied by the service's own `apply`,
the rule its events go through, through the shared bootstrap (bootstrap.py: the durable consumer
first, an advisory lock, a marker), as ticket_bootstrap.py learns the tickets.

`apply` must keep the newer of a snapshot and an event already applied (snapshots carry `updated_at`).
A service declares the marker (`incident_bootstrap_table`) in its metadata, creates it in a migration,
and runs `keep_trying` from a job of its `jobs` role, with a retry interval of its own settings.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import MetaData, Table

from helpdesk_common.contracts.incident_states import (
    INCIDENT_STATES_ANSWERER,
    INCIDENT_STATES_SUBJECT,
    IncidentScope,
    IncidentState,
    IncidentStatesPage,
    IncidentStatesRequest,
)
from helpdesk_common.projections.bootstrap import PagedBootstrap, bootstrap_table


def incident_bootstrap_table(metadata: MetaData, name: str = "incident_bootstrap") -> Table:
    """One row (id 1) once the incidents were learnt: when, and how many."""
    return bootstrap_table(metadata, name, "incidents")


@dataclass(frozen=True, kw_only=True)
class IncidentBootstrap(PagedBootstrap[IncidentState]):
    """`consumer` the durable of the incident events made to exist first; `scope` which incidents to
    ask for."""

    answerer = INCIDENT_STATES_ANSWERER
    subject = INCIDENT_STATES_SUBJECT
    page = IncidentStatesPage
    kind = "incidents"

    scope: IncidentScope

    def request(self, after: uuid.UUID | None) -> IncidentStatesRequest:
        return IncidentStatesRequest(after=after, limit=self.page_size, scope=self.scope)
