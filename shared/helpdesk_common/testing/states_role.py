"""An owner's states role (helpdesk_common/projections/states_role.py: ticketing's `ticket-states`,
itsm's `incident-states`) running in a test on the real NATS, and the raw questions a test asks it:
`async with role_answering(runtime, serve, nats_url, subject) as asker:` once the role answers on
`subject`; `await asked(asker, subject, {...}, Page)` reads the answer, or one whose `error` says that
nobody answered yet."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import nats
import orjson

from helpdesk_common.contracts.states import StatesAnswer
from helpdesk_common.service import Job, ServiceRuntime

Answer = TypeVar("Answer", bound=StatesAnswer)
NO_RESPONDERS = "no responders yet"


async def asked(client: nats.NATS, subject: str, request: dict[str, Any], answer: type[Answer]) -> Answer:
    try:
        reply = await client.request(subject, orjson.dumps(request), timeout=5)
    except nats.errors.NoRespondersError:
        return answer(error=NO_RESPONDERS)
    return answer.model_validate_json(reply.data)


@asynccontextmanager
async def role_answering(
    runtime: ServiceRuntime, serve: Job, nats_url: str, subject: str, *, within: float = 10.0
) -> AsyncIterator[nats.NATS]:
    """`serve` running on `runtime` with a bus of its own, and a client to ask it with."""
    runtime.bus = await nats.connect(nats_url)
    asker = await nats.connect(nats_url)
    stop = asyncio.Event()
    role = asyncio.create_task(serve(runtime, stop))
    try:
        await _until_answering(asker, subject, within)
        yield asker
    finally:
        stop.set()
        await role
        await asker.close()
        await runtime.bus.close()


async def _until_answering(asker: nats.NATS, subject: str, within: float) -> None:
    # Any answer, an error too, means the role's subscriptions exist.
    deadline = asyncio.get_running_loop().time() + within
    while (await asked(asker, subject, {}, StatesAnswer)).error == NO_RESPONDERS:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"nobody answered on {subject} within {within:g} s")
        await asyncio.sleep(0.05)
