"""A stand-in for itsm's `incident-states` role (services/itsm/itsm/states.py) on the real NATS
request-reply, for a service's test of its incident bootstrap
(helpdesk_common/projections/incident_bootstrap.py), and the snapshots it answers with: the incidents
it is given in pages as asked, in id order, whatever the scope (the test gives what the scope would
hold). `async with itsm_answering(nats_url, states) as requests:` yields each request whole, with what
`note` says of the moment it came, so that a test can say who asked and when; `delay` holds each answer
back so that two askers overlap. Itsm's own answer is services/itsm/tests/test_incident_states.py's."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import nats
import orjson
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from helpdesk_common.contracts.incident_states import (
    INCIDENT_STATES_SUBJECT,
    IncidentState,
    IncidentStatesPage,
)
from helpdesk_common.contracts.itsm import IncidentSnapshot


def incident_snapshot(number: str, **fields: Any) -> IncidentSnapshot:
    """An open P1 incident of 2026-03-10, 06:00 UTC, as its events carry it, but for `fields`."""
    values = {
        "id": uuid.uuid4(),
        "number": number,
        "title": "Database down",
        "status": "open",
        "severity": "critical",
        "impact": "high",
        "urgency": "high",
        "priority": "P1",
        "created_at": datetime(2026, 3, 10, 6, 0, tzinfo=UTC),
        "updated_at": datetime(2026, 3, 10, 6, 0, tzinfo=UTC),
        **fields,
    }
    return IncidentSnapshot.model_validate(values)


def incident_states(*incidents: IncidentSnapshot) -> list[IncidentState]:
    return [IncidentState(incident=incident) for incident in incidents]


def consumer_noted(js: JetStreamContext, durable: str) -> Callable[[], Awaitable[dict[str, Any]]]:
    """A `note` of how the durable of the incident events delivers when a request comes (None before
    it exists): a bootstrap asks only once it exists, at the stream's end."""

    async def note() -> dict[str, Any]:
        try:
            consumer = await js.consumer_info("ITSM", durable)
        except NotFoundError:
            return {"consumer_deliver_policy": None}
        return {"consumer_deliver_policy": consumer.config.deliver_policy}

    return note


@asynccontextmanager
async def itsm_answering(
    nats_url: str,
    states: Sequence[IncidentState],
    *,
    note: Callable[[], Awaitable[dict[str, Any]]] | None = None,
    delay: float = 0.0,
) -> AsyncIterator[list[dict[str, Any]]]:
    client = await nats.connect(nats_url)
    ordered = sorted(states, key=lambda state: state.incident.id)
    requests: list[dict[str, Any]] = []

    async def answer(message: Msg) -> None:
        request = orjson.loads(message.data or b"{}")
        requests.append({**request, **(await note() if note else {})})
        if delay:
            await asyncio.sleep(delay)
        after = uuid.UUID(request["after"]) if "after" in request else None
        limit = request.get("limit", 200)
        page = [state for state in ordered if after is None or state.incident.id > after][:limit]
        next_after = page[-1].incident.id if len(page) == limit else None
        await message.respond(
            IncidentStatesPage(states=page, next_after=next_after).model_dump_json().encode()
        )

    subscription = await client.subscribe(INCIDENT_STATES_SUBJECT, queue="itsm-incident-states", cb=answer)
    await client.flush()
    try:
        yield requests
    finally:
        await subscription.unsubscribe()
        await client.close()
