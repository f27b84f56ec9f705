"""A stand-in for ticketing's `ticket-states` role (services/ticketing/ticketing/states.py) on the real
NATS request-reply, for a service's test of its records bootstrap
(helpdesk_common/projections/records_bootstrap.py): the department states in pages as asked, and the
settings state. `async with ticketing_answering(nats_url, settings, departments) as asked:` yields the
subjects asked, in order, so a test can say a second run asked nothing; `requests` keeps each request
whole with what `note` says of the moment it came, and `delay` holds each answer back so that two
askers overlap. Ticketing's own answer is
services/ticketing/tests/test_ticket_states.py's."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import nats
import orjson
from nats.aio.msg import Msg

from helpdesk_common.contracts.ticket_states import (
    DEPARTMENT_STATES_SUBJECT,
    SETTINGS_STATE_SUBJECT,
    DepartmentState,
    DepartmentStatesPage,
    SettingsState,
    SettingsStateAnswer,
)
from helpdesk_common.contracts.ticketing import DepartmentSnapshot, TicketSettingsData


def department_state(department_id: uuid.UUID, name: str, changed_at: datetime) -> DepartmentState:
    return DepartmentState(
        department=DepartmentSnapshot(id=department_id, name=name, enabled=True), changed_at=changed_at
    )


def settings_state(
    enabled: bool, changed_at: datetime, blocked_extensions: Sequence[str] = ()
) -> SettingsState:
    settings = TicketSettingsData(
        ticket_system_enabled=enabled,
        ticket_number_prefix="TKT",
        blocked_extensions=list(blocked_extensions),
    )
    return SettingsState(settings=settings, changed_at=changed_at)


@asynccontextmanager
async def ticketing_answering(
    nats_url: str,
    settings: SettingsState,
    departments: Sequence[DepartmentState] = (),
    *,
    requests: list[dict[str, Any]] | None = None,
    note: Callable[[], Awaitable[dict[str, Any]]] | None = None,
    delay: float = 0.0,
) -> AsyncIterator[list[str]]:
    client = await nats.connect(nats_url)
    ordered = sorted(departments, key=lambda state: state.department.id)
    asked: list[str] = []

    async def answer(message: Msg) -> None:
        asked.append(message.subject)
        request = orjson.loads(message.data or b"{}")
        if requests is not None:
            requests.append({"subject": message.subject, **(await note() if note else {}), **request})
        if delay:
            await asyncio.sleep(delay)
        if message.subject == SETTINGS_STATE_SUBJECT:
            await message.respond(SettingsStateAnswer(state=settings).model_dump_json().encode())
            return
        after = uuid.UUID(request["after"]) if "after" in request else None
        limit = request.get("limit", 200)
        page = [state for state in ordered if after is None or state.department.id > after][:limit]
        next_after = page[-1].department.id if len(page) == limit else None
        await message.respond(
            DepartmentStatesPage(states=page, next_after=next_after).model_dump_json().encode()
        )

    subscriptions = [
        await client.subscribe(subject, queue="ticketing-ticket-states", cb=answer)
        for subject in (DEPARTMENT_STATES_SUBJECT, SETTINGS_STATE_SUBJECT)
    ]
    await client.flush()
    try:
        yield asked
    finally:
        for subscription in subscriptions:
            await subscription.unsubscribe()
        await client.close()
