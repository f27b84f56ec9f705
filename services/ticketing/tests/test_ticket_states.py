"""The `ticket-states` role on real NATS request-reply: a request without a scope (the SLA engine's, as
it always sent it) gets the open tickets under an SLA, `all` every ticket, closed ones and those
without an SLA included, both a page at a time in ticket id order; a request it cannot read gets an
error page, not silence."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import nats
import orjson
import pytest

from helpdesk_common.contracts.ticket_states import TICKET_STATES_SUBJECT, TicketStatesPage
from helpdesk_common.service import ServiceRuntime
from helpdesk_common.testing.infrastructure import TestServers
from services.ticketing.tests.conftest import Ticketing
from services.ticketing.tests.test_sla_follows_customer import contact, customer, ticket_of
from tests.backbone.harness import eventually
from ticketing.main import service as ticketing
from ticketing.tickets.states import serve_ticket_states


@pytest.fixture
async def answering(ticketing_app: Ticketing, servers: TestServers) -> AsyncIterator[nats.NATS]:
    """The role answering on the test's NATS, and a client to ask it with."""
    settings = ticketing.settings_class(
        service_name="ticketing", database_url=ticketing_app.url, nats_url=servers.nats_url
    )
    runtime = ServiceRuntime(settings, ticketing_app.engine, ticketing_app.sessions)
    runtime.bus = await nats.connect(servers.nats_url)
    asker = await nats.connect(servers.nats_url)
    stop = asyncio.Event()
    role = asyncio.create_task(serve_ticket_states(runtime, stop))
    try:

        async def subscribed() -> bool:
            return (await _ask(asker, {})).error is None

        await eventually(subscribed, within=10, what="the ticket-states role to answer")
        yield asker
    finally:
        stop.set()
        await role
        await asker.close()
        await runtime.bus.close()


async def _ask(client: nats.NATS, request: dict[str, Any]) -> TicketStatesPage:
    try:
        answer = await client.request(TICKET_STATES_SUBJECT, orjson.dumps(request), timeout=5)
    except nats.errors.NoRespondersError:
        return TicketStatesPage(error="no responders yet")
    return TicketStatesPage.model_validate_json(answer.data)


async def _every_page(client: nats.NATS, **request: Any) -> tuple[list[uuid.UUID], int]:
    """The ticket ids of every page, in the order sent, and how many pages it took."""
    ids: list[uuid.UUID] = []
    pages = 0
    after: str | None = None
    while True:
        page = await _ask(client, {**request, **({"after": after} if after else {})})
        assert page.error is None, page.error
        pages += 1
        ids.extend(state.ticket.id for state in page.states)
        if page.next_after is None:
            return ids, pages
        after = str(page.next_after)


async def test_the_default_scope_is_the_open_tickets_under_an_sla_and_all_is_every_ticket(
    ticketing_app: Ticketing, answering: nats.NATS
) -> None:
    await ticketing_app.switch_module(True)
    gold = await ticketing_app.sla_known("Gold")
    acme = await customer(ticketing_app, "Acme", gold)
    wile = await contact(ticketing_app, "wile@acme.example", acme)
    plain = await contact(ticketing_app, "plain@example.com", None)
    open_under_sla = [await ticket_of(ticketing_app, wile) for _ in range(3)]
    waiting = await ticket_of(ticketing_app, wile, "waiting")
    closed_under_sla = await ticket_of(ticketing_app, wile, "closed")
    without_sla = await ticket_of(ticketing_app, plain)
    closed_without_sla = await ticket_of(ticketing_app, plain, "closed")
    every = [*open_under_sla, waiting, closed_under_sla, without_sla, closed_without_sla]

    def in_id_order(*tickets: dict[str, Any]) -> list[uuid.UUID]:
        return sorted(uuid.UUID(t["id"]) for t in tickets)

    # The SLA engine's request as it always was: no scope, the default page.
    first = await _ask(answering, {})
    assert [s.ticket.id for s in first.states] == in_id_order(*open_under_sla, waiting)
    assert first.next_after is None
    # A full page says where the next starts, so four tickets two at a time end with an empty third.
    assert await _every_page(answering, limit=2) == (in_id_order(*open_under_sla, waiting), 3)
    assert await _every_page(answering, scope="open_under_sla", limit=2) == (
        in_id_order(*open_under_sla, waiting),
        3,
    )

    ids, pages = await _every_page(answering, scope="all", limit=3)
    assert (ids, pages) == (in_id_order(*every), 3)
    page = await _ask(answering, {"scope": "all"})
    states = {str(s.ticket.id): s for s in page.states}
    assert states[closed_without_sla["id"]].ticket.status == "closed"
    assert states[closed_under_sla["id"]].ticket.sla_id == gold
    assert states[without_sla["id"]].ticket.sla_id is None
    assert states[without_sla["id"]].ticket.updated_at == datetime.fromisoformat(without_sla["updated_at"])

    refused = await _ask(answering, {"scope": "some"})
    assert refused.error is not None and refused.error.startswith("The request could not be read")
    assert refused.states == []
