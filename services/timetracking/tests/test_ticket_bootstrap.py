"""The tickets time tracking learns from ticketing's ticket states (ticket_bootstrap.py), on real NATS and
PostgreSQL with a stand-in for ticketing's `ticket-states` role: a snapshot joins the projection under
the events' rule (the newer wins, a tombstone stays), and two time trackers starting at once ask for
every ticket, closed ones too, once, after creating their consumer at the stream's end. Ticketing's own
answer is tests/journeys/test_timetracking.py's."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import nats
import orjson
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import DeliverPolicy
from nats.js.errors import NotFoundError

from helpdesk_common.contracts.ticket_states import TICKET_STATES_SUBJECT, TicketState, TicketStatesPage
from helpdesk_common.db import create_engine, create_session_factory
from helpdesk_common.service import ServiceRuntime
from timetracking.config import TimetrackingSettings
from timetracking.main import service
from timetracking.ticket_bootstrap import tickets_bootstrap
from timetracking.ticket_events import apply_ticket_state, tickets_consumer


async def learnt(desk: Any, *snapshots: Any) -> None:
    async with desk.app.sessions() as session, session.begin():
        for snapshot in snapshots:
            await apply_ticket_state(session, TicketState(ticket=snapshot))


async def kept(desk: Any, ticket: Any) -> tuple[str, bool]:
    rows = await desk.sql("SELECT title, deleted FROM tickets WHERE id = :id", id=ticket.id)
    return (rows[0].title, rows[0].deleted)


async def test_a_snapshot_joins_the_tickets_under_the_events_rule_the_newer_wins(desk: Any) -> None:
    ada = desk.person("ada")
    unknown = desk.snapshot(status="closed")
    answer = await desk.client.get(f"/tickets/{unknown.id}/entries", headers=ada.headers)
    assert answer.status_code == 404
    await learnt(desk, unknown)
    await desk.book(ada, unknown, start="06:00", end="07:00")

    # An event already applied is newer than a snapshot read before it: the snapshot changes nothing.
    ticket = await desk.ticket(title="Printer fixed")
    (applied,) = await desk.sql("SELECT changed_at FROM tickets WHERE id = :id", id=ticket.id)
    stale = ticket.model_copy(update={"title": "An older title"})
    await learnt(desk, stale.model_copy(update={"updated_at": applied.changed_at - timedelta(seconds=1)}))
    assert await kept(desk, ticket) == ("Printer fixed", False)
    await learnt(desk, stale.model_copy(update={"updated_at": applied.changed_at + timedelta(seconds=1)}))
    assert await kept(desk, ticket) == ("An older title", False)

    # A deleted ticket stays deleted, however new the snapshot.
    await desk.delete_ticket(ticket)
    await learnt(desk, ticket.model_copy(update={"updated_at": applied.changed_at + timedelta(days=1)}))
    assert await kept(desk, ticket) == ("An older title", True)


@asynccontextmanager
async def ticketing_answering(
    desk: Any, js: JetStreamContext, states: list[TicketState], requests: list[dict[str, Any]]
) -> AsyncIterator[None]:
    """Answers as ticketing's role does, slowly enough that two askers overlap; each request is kept
    with whether the consumer existed when it came."""
    client = await nats.connect(desk.servers.nats_url)
    ordered = sorted(states, key=lambda state: state.ticket.id)

    async def answer(message: Msg) -> None:
        request = orjson.loads(message.data or b"{}")
        try:
            consumer = await js.consumer_info("TICKET_EVENTS", tickets_consumer.spec.durable)
            request["consumer_deliver_policy"] = consumer.config.deliver_policy
        except NotFoundError:
            request["consumer_deliver_policy"] = None
        requests.append(request)
        await asyncio.sleep(0.3)
        after = uuid.UUID(request["after"]) if "after" in request else None
        limit = request.get("limit", 200)
        page = [state for state in ordered if after is None or state.ticket.id > after][:limit]
        next_after = page[-1].ticket.id if len(page) == limit else None
        await message.respond(TicketStatesPage(states=page, next_after=next_after).model_dump_json().encode())

    subscription = await client.subscribe(TICKET_STATES_SUBJECT, queue="ticketing-ticket-states", cb=answer)
    await client.flush()
    try:
        yield
    finally:
        await subscription.unsubscribe()
        await client.close()


@asynccontextmanager
async def time_tracker(desk: Any) -> AsyncIterator[ServiceRuntime]:
    """What a jobs process of its own has: its own connections to the same database."""
    url = desk.database.url_for(service)
    settings = TimetrackingSettings(database_url=url, nats_url=desk.servers.nats_url)
    engine = create_engine(url, schema=service.schema, pool_size=2)
    try:
        yield ServiceRuntime(settings, engine, create_session_factory(engine))
    finally:
        await engine.dispose()


async def test_two_time_trackers_starting_at_once_learn_every_ticket_once_after_making_their_consumer(
    desk: Any, jetstream: JetStreamContext
) -> None:
    old = [desk.snapshot(), desk.snapshot(status="closed"), desk.snapshot(department_id=desk.sales)]
    requests: list[dict[str, Any]] = []
    # Two tickets a page, so that learning takes several requests.
    bootstrap = dataclasses.replace(tickets_bootstrap, page_size=2)
    stop = asyncio.Event()
    async with (
        ticketing_answering(desk, jetstream, [TicketState(ticket=t) for t in old], requests),
        time_tracker(desk) as first,
        time_tracker(desk) as second,
    ):
        await asyncio.wait_for(
            asyncio.gather(
                bootstrap.keep_trying(first, stop, retry_seconds=0.1),
                bootstrap.keep_trying(second, stop, retry_seconds=0.1),
            ),
            timeout=30,
        )

    assert [r for r in requests if "after" not in r] == [
        {"scope": "all", "limit": 2, "consumer_deliver_policy": DeliverPolicy.NEW}
    ], "one of the two asked, once, and only after its consumer existed at the stream's end"
    assert len(requests) == 2
    (marker,) = await desk.sql("SELECT id, tickets FROM ticket_bootstrap")
    assert tuple(marker) == (1, 3)
    rows = await desk.sql("SELECT id FROM tickets")
    assert {row.id for row in rows} == {t.id for t in old}

    # Time is booked on the closed one too; a third start finds the mark and asks nothing.
    await desk.book(desk.person("ada"), old[1], start="06:00", end="07:00")
    async with time_tracker(desk) as third:
        await asyncio.wait_for(bootstrap.keep_trying(third, stop, retry_seconds=0.1), timeout=5)
    assert len(requests) == 2
