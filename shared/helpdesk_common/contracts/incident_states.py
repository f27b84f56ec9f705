"""ITSM's incidents as they are now, for a service that must learn them without replaying the incident
events (on its first start, or after losing its database; the ITSM stream keeps only two weeks), through
helpdesk_common/projections/incident_bootstrap.py. Core NATS request-reply outside every stream; itsm's
`incident-states` role answers (a queue group, so any number of its processes share the requests).

INCIDENT_STATES_SUBJECT: the incidents the request's scope names, a page at a time in incident id order,
each as the snapshot its events carry (with `updated_at`, when it last changed: the time a projection
compares with its events'). ITSM closes incidents and never deletes them, so every incident it ever had
is among `all`. The subject has its request and answer of its own, as ticket_states.py's have, so a
question added later changes nothing of what an earlier asker sends or reads; an itsm too old to know
the subject has no responder on it, which the asker takes as silence and asks again later."""

from __future__ import annotations

import uuid
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from helpdesk_common.contracts.itsm import IncidentSnapshot
from helpdesk_common.contracts.states import StatesPage

INCIDENT_STATES_SUBJECT = "rpc.itsm.incident-states"
# How an asker's logs name who answers it.
INCIDENT_STATES_ANSWERER = "itsm's incident-states role"


class IncidentScope(StrEnum):
    """Which incidents a request asks for."""

    # Every incident that exists, closed ones included (time is booked on closed incidents too).
    ALL = "all"
    # Every incident under an SLA that is not closed: what the SLA engine keeps timers for.
    OPEN_UNDER_SLA = "open_under_sla"


class IncidentStatesRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    after: uuid.UUID | None = Field(default=None, description="The last incident id of the page before.")
    limit: int = Field(default=200, ge=1, le=500)
    scope: IncidentScope = Field(default=IncidentScope.ALL, description="Which incidents.")


class IncidentState(BaseModel):
    model_config = ConfigDict(extra="ignore")

    incident: IncidentSnapshot


class IncidentStatesPage(StatesPage[IncidentState]):
    """The incidents of the scope, in incident id order."""
