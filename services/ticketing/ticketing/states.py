"""The `ticket-states` role: ticketing's state as it is now, for a service learning it without replaying
ticketing's events (helpdesk_common/contracts/ticket_states.py), on three request-reply subjects in one
queue group: the tickets (tickets/states.py), the departments (departments/service.py) and the module
settings (settings/service.py). A request it cannot read gets an answer with an error, not silence."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from nats.aio.msg import Msg
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.contracts.ticket_states import (
    DEPARTMENT_STATES_SUBJECT,
    SETTINGS_STATE_SUBJECT,
    TICKET_STATES_SUBJECT,
    DepartmentStatesPage,
    DepartmentStatesRequest,
    SettingsStateAnswer,
    SettingsStateRequest,
    StatesAnswer,
    TicketStatesPage,
    TicketStatesRequest,
)
from helpdesk_common.service import ServiceRuntime
from ticketing.departments.service import department_states_page
from ticketing.settings.service import settings_state
from ticketing.tickets.states import ticket_states_page

QUEUE_GROUP = "ticketing-ticket-states"

Request = TypeVar("Request", bound=BaseModel)
Answer = Callable[[AsyncSession, bytes], Awaitable[StatesAnswer]]


def _question(
    request: type[Request],
    answer: Callable[[AsyncSession, Request], Awaitable[StatesAnswer]],
    refused: type[StatesAnswer],
) -> Answer:
    async def answered(session: AsyncSession, data: bytes) -> StatesAnswer:
        try:
            read = request.model_validate_json(data or b"{}")
        except ValidationError as unreadable:
            return refused(error=f"The request could not be read: {unreadable.errors()[0]['msg']}")
        return await answer(session, read)

    return answered


async def _settings_state(session: AsyncSession, _: SettingsStateRequest) -> SettingsStateAnswer:
    return await settings_state(session)


ANSWERS: dict[str, Answer] = {
    TICKET_STATES_SUBJECT: _question(TicketStatesRequest, ticket_states_page, TicketStatesPage),
    DEPARTMENT_STATES_SUBJECT: _question(
        DepartmentStatesRequest, department_states_page, DepartmentStatesPage
    ),
    SETTINGS_STATE_SUBJECT: _question(SettingsStateRequest, _settings_state, SettingsStateAnswer),
}


async def serve_ticket_states(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    assert runtime.bus is not None
    sessions = runtime.session_factory

    def answering(answer: Answer) -> Callable[[Msg], Awaitable[None]]:
        async def respond(message: Msg) -> None:
            async with sessions() as session:
                reply = await answer(session, message.data)
            await message.respond(reply.model_dump_json().encode())

        return respond

    subscriptions = [
        await runtime.bus.subscribe(subject, queue=QUEUE_GROUP, cb=answering(answer))
        for subject, answer in ANSWERS.items()
    ]
    try:
        await stop.wait()
    finally:
        for subscription in subscriptions:
            await subscription.unsubscribe()
