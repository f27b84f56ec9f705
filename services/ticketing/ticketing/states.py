"""The `ticket-states` role: ticketing's state as it is now, for a service learning it without replaying
ticketing's events (helpdesk_common/contracts/ticket_states.py), on three request-reply subjects in one
queue group (the shared helpdesk_common/projections/states_role.py): the tickets (tickets/states.py),
the departments (departments/service.py) and the module settings (settings/service.py)."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.contracts.ticket_states import (
    DEPARTMENT_STATES_SUBJECT,
    SETTINGS_STATE_SUBJECT,
    TICKET_STATES_SUBJECT,
    DepartmentStatesPage,
    DepartmentStatesRequest,
    SettingsStateAnswer,
    SettingsStateRequest,
    TicketStatesPage,
    TicketStatesRequest,
)
from helpdesk_common.projections.states_role import Answer, question, serve_states
from helpdesk_common.service import ServiceRuntime
from ticketing.departments.service import department_states_page
from ticketing.settings.service import settings_state
from ticketing.tickets.states import ticket_states_page

QUEUE_GROUP = "ticketing-ticket-states"


async def _settings_state(session: AsyncSession, _: SettingsStateRequest) -> SettingsStateAnswer:
    return await settings_state(session)


ANSWERS: dict[str, Answer] = {
    TICKET_STATES_SUBJECT: question(TicketStatesRequest, ticket_states_page, TicketStatesPage),
    DEPARTMENT_STATES_SUBJECT: question(
        DepartmentStatesRequest, department_states_page, DepartmentStatesPage
    ),
    SETTINGS_STATE_SUBJECT: question(SettingsStateRequest, _settings_state, SettingsStateAnswer),
}


async def serve_ticket_states(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    await serve_states(runtime, stop, queue=QUEUE_GROUP, answers=ANSWERS)
