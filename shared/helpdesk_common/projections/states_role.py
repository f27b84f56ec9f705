"""The owner's side of the bootstrap (bootstrap.py): a worker role that answers the requests for its
states as they are now (ticketing's `ticket-states`, itsm's `incident-states`), each subject with its
request, its answer and the answer that carries an error, in one queue group so that any number of the
role's processes share the requests. A request it cannot read gets an answer with an error, not
silence."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import TypeVar

from nats.aio.msg import Msg
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.contracts.states import StatesAnswer
from helpdesk_common.service import ServiceRuntime

Request = TypeVar("Request", bound=BaseModel)
Answer = Callable[[AsyncSession, bytes], Awaitable[StatesAnswer]]


def question(
    request: type[Request],
    answer: Callable[[AsyncSession, Request], Awaitable[StatesAnswer]],
    refused: type[StatesAnswer],
) -> Answer:
    """How one subject's raw request becomes its answer: read as `request`, or `refused` with why."""

    async def answered(session: AsyncSession, data: bytes) -> StatesAnswer:
        try:
            read = request.model_validate_json(data or b"{}")
        except ValidationError as unreadable:
            return refused(error=f"The request could not be read: {unreadable.errors()[0]['msg']}")
        return await answer(session, read)

    return answered


async def serve_states(
    runtime: ServiceRuntime, stop: asyncio.Event, *, queue: str, answers: Mapping[str, Answer]
) -> None:
    """Answers each subject of `answers` until `stop`, each request in a session of its own."""
    assert runtime.bus is not None
    sessions = runtime.session_factory

    def answering(answer: Answer) -> Callable[[Msg], Awaitable[None]]:
        async def respond(message: Msg) -> None:
            async with sessions() as session:
                reply = await answer(session, message.data)
            await message.respond(reply.model_dump_json().encode())

        return respond

    subscriptions = [
        await runtime.bus.subscribe(subject, queue=queue, cb=answering(answer))
        for subject, answer in answers.items()
    ]
    try:
        await stop.wait()
    finally:
        for subscription in subscriptions:
            await subscription.unsubscribe()
