"""The `incident-states` role: ITSM's incidents as they are now, for a service learning them without
replaying the ITSM stream (helpdesk_common/contracts/incident_states.py: the time tracker, the SLA
engine), on its request-reply subject in one queue group (the shared
helpdesk_common/projections/states_role.py, as ticketing's `ticket-states` role answers)."""

from __future__ import annotations

import asyncio

from helpdesk_common.contracts.incident_states import (
    INCIDENT_STATES_SUBJECT,
    IncidentStatesPage,
    IncidentStatesRequest,
)
from helpdesk_common.projections.states_role import Answer, question, serve_states
from helpdesk_common.service import ServiceRuntime
from itsm.incidents.states import incident_states_page

QUEUE_GROUP = "itsm-incident-states"

ANSWERS: dict[str, Answer] = {
    INCIDENT_STATES_SUBJECT: question(IncidentStatesRequest, incident_states_page, IncidentStatesPage),
}


async def serve_incident_states(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    await serve_states(runtime, stop, queue=QUEUE_GROUP, answers=ANSWERS)
