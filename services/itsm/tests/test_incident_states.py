"""The `incident-states` role on real NATS request-reply and PostgreSQL: every incident by default (the
time tracker's scope), those under an SLA that are not closed for the SLA engine, a page at a time in
id order, each the snapshot its events carry; a request it cannot read answered with an error."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import nats
import pytest

from helpdesk_common.contracts.incident_states import INCIDENT_STATES_SUBJECT, IncidentStatesPage
from helpdesk_common.contracts.itsm import IncidentSnapshot
from helpdesk_common.service import ServiceRuntime
from helpdesk_common.testing.states_role import asked, role_answering
from itsm.incidents.service import close
from itsm.main import service
from itsm.states import serve_incident_states

MANAGE = "incidents.manage"
Desk = Any


@pytest.fixture
async def answering(desk: Desk) -> AsyncIterator[nats.NATS]:
    """The role answering on the test's NATS, and a client to ask it with."""
    settings = service.settings_class(
        service_name="itsm", database_url=desk.app.url, nats_url=desk.servers.nats_url
    )
    runtime = ServiceRuntime(settings, desk.app.engine, desk.app.sessions)
    nats_url = desk.servers.nats_url
    async with role_answering(runtime, serve_incident_states, nats_url, INCIDENT_STATES_SUBJECT) as asker:
        yield asker


async def ask(client: nats.NATS, request: dict[str, Any]) -> IncidentStatesPage:
    return await asked(client, INCIDENT_STATES_SUBJECT, request, IncidentStatesPage)


async def every_page(client: nats.NATS, **request: Any) -> tuple[list[uuid.UUID], int]:
    """The incident ids of every page, in the order sent, and how many pages it took."""
    ids: list[uuid.UUID] = []
    pages = 0
    after: str | None = None
    while True:
        page = await ask(client, {**request, **({"after": after} if after else {})})
        assert page.error is None, page.error
        pages += 1
        ids.extend(state.incident.id for state in page.states)
        if page.next_after is None:
            return ids, pages
        after = str(page.next_after)


async def opened(desk: Desk, person: Any, **body: Any) -> dict[str, Any]:
    answer = await desk.client.post(
        "/incidents", json={"title": "Mail is down", **body}, headers=person.headers
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


async def test_every_incident_by_default_and_those_open_under_an_sla_in_pages_in_id_order(
    desk: Desk, answering: nats.NATS
) -> None:
    ada = await desk.person("ada", MANAGE)
    gold = await desk.sla("Gold")
    under_sla = [await opened(desk, ada, sla_id=str(gold)) for _ in range(3)]
    without_sla = await opened(desk, ada)
    closed_under_sla = await opened(desk, ada, sla_id=str(gold))
    async with desk.app.sessions() as session, session.begin():
        await close(session, uuid.UUID(closed_under_sla["id"]), now=desk.at(hours=1), summary="Closed")
    every = [*under_sla, without_sla, closed_under_sla]

    def in_id_order(*incidents: dict[str, Any]) -> list[uuid.UUID]:
        return sorted(uuid.UUID(incident["id"]) for incident in incidents)

    # A full page says where the next starts, so five incidents two at a time end with a third of one.
    assert await every_page(answering, limit=2) == (in_id_order(*every), 3)
    assert await every_page(answering, scope="all", limit=5) == (in_id_order(*every), 2)
    assert await every_page(answering, scope="open_under_sla", limit=2) == (in_id_order(*under_sla), 2)

    page = await ask(answering, {})
    assert page.next_after is None
    states = {str(state.incident.id): state.incident for state in page.states}
    closed = states[closed_under_sla["id"]]
    assert (closed.status, closed.sla_id, closed.updated_at) == ("closed", gold, desk.clock.now())
    # The snapshot its last event carried, as it is now.
    announced = {event["data"]["incident"]["id"]: event for event in await desk.published("incident_created")}
    assert states[without_sla["id"]] == IncidentSnapshot.model_validate(
        announced[without_sla["id"]]["data"]["incident"]
    )

    refused = await ask(answering, {"scope": "some"})
    assert refused.error is not None and refused.error.startswith("The request could not be read")
    assert refused.states == []
