"""The departments and the Ticket System switch time tracking learns from ticketing's states (the shared
records bootstrap, projections.py), on real NATS and PostgreSQL with a stand-in for ticketing's
`ticket-states` role: a state joins the projections under the events' rule (an event newer than the
state wins, an older state never overwrites a newer event, a removed department stays removed), and
two time trackers starting at once ask once, after their consumers exist. Ticketing's own answer is
services/ticketing/tests/test_ticket_states.py's, the whole way tests/journeys/test_timetracking.py's."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from sqlalchemy import text

from helpdesk_common.contracts.ticket_states import (
    DEPARTMENT_STATES_SUBJECT,
    SETTINGS_STATE_SUBJECT,
)
from helpdesk_common.db import create_engine, create_session_factory
from helpdesk_common.service import ServiceRuntime
from helpdesk_common.testing.apps import ServiceApp
from helpdesk_common.testing.infrastructure import TestServers
from helpdesk_common.testing.plugin import TestDatabase
from helpdesk_common.testing.ticket_states import department_state, settings_state, ticketing_answering
from timetracking.config import TimetrackingSettings
from timetracking.main import service
from timetracking.projections import departments_projection, module_switch_projection, records_bootstrap_run

LONG_AGO = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


async def _learnt(desk: Any, apply: Any, state: Any) -> None:
    async with desk.app.sessions() as session, session.begin():
        await apply(session, state)


async def _name(desk: Any, department_id: uuid.UUID) -> tuple[str, bool] | None:
    rows = await desk.sql("SELECT name, removed_at FROM departments WHERE id = :id", id=department_id)
    return (rows[0].name, rows[0].removed_at is not None) if rows else None


async def test_a_state_joins_departments_and_switch_under_the_events_rule_the_newer_wins(desk: Any) -> None:
    lead = desk.person("lead", "tickets_manage_departments")
    unknown = uuid.uuid4()
    path = f"/departments/{unknown}/time-tracking"
    assert (await desk.client.get(path, headers=lead.headers)).status_code == 404
    await _learnt(desk, departments_projection.apply_state, department_state(unknown, "Field", LONG_AGO))
    assert (await desk.client.get(path, headers=lead.headers)).status_code == 200

    # The desk's Support came as an event just now: a state read before it changes nothing.
    (applied,) = await desk.sql("SELECT changed_at FROM departments WHERE id = :id", id=desk.support)
    older = department_state(desk.support, "An older name", applied.changed_at - timedelta(seconds=1))
    await _learnt(desk, departments_projection.apply_state, older)
    assert await _name(desk, desk.support) == ("Support", False)
    # A state newer than every event applied (a change whose event is still on its way) is kept.
    newer = department_state(desk.support, "Service desk", applied.changed_at + timedelta(seconds=1))
    await _learnt(desk, departments_projection.apply_state, newer)
    assert await _name(desk, desk.support) == ("Service desk", False)
    # A state learnt first, then an event newer than it: the event wins.
    await desk.department(unknown, "Field, renamed")
    assert await _name(desk, unknown) == ("Field, renamed", False)

    # A removed department stays removed, however new the state.
    await desk.remove_department(desk.sales)
    await _learnt(
        desk,
        departments_projection.apply_state,
        department_state(desk.sales, "Sales", datetime.now(UTC) + timedelta(days=1)),
    )
    assert await _name(desk, desk.sales) == ("Sales", True)

    # The switch: the event that switched it on is newer than a state saying off from before it.
    (switch,) = await desk.sql("SELECT ticket_system_enabled, changed_at FROM module_switch")
    await _learnt(
        desk,
        module_switch_projection.apply_state,
        settings_state(False, switch.changed_at - timedelta(seconds=1)),
    )
    (kept,) = await desk.sql("SELECT ticket_system_enabled FROM module_switch")
    assert kept.ticket_system_enabled is True
    await _learnt(
        desk,
        module_switch_projection.apply_state,
        settings_state(False, switch.changed_at + timedelta(seconds=1)),
    )
    (kept,) = await desk.sql("SELECT ticket_system_enabled FROM module_switch")
    assert kept.ticket_system_enabled is False


def consumers_noted(js: JetStreamContext) -> Callable[[], Awaitable[dict[str, bool]]]:
    """Whether both consumers existed when a request came."""

    async def note() -> dict[str, bool]:
        for projection in (departments_projection, module_switch_projection):
            try:
                await js.consumer_info("TICKETING", projection.consumer.spec.durable)
            except NotFoundError:
                return {"consumers": False}
        return {"consumers": True}

    return note


@asynccontextmanager
async def time_tracker(database: TestDatabase, servers: TestServers) -> AsyncIterator[ServiceRuntime]:
    """What a jobs process of its own has: its own connections to the same database."""
    url = database.url_for(service)
    settings = TimetrackingSettings(database_url=url, nats_url=servers.nats_url)
    engine = create_engine(url, schema=service.schema, pool_size=2)
    try:
        yield ServiceRuntime(settings, engine, create_session_factory(engine))
    finally:
        await engine.dispose()


async def test_two_time_trackers_starting_at_once_learn_the_departments_and_switch_once_after_their_consumers(
    app: ServiceApp, database: TestDatabase, servers: TestServers, jetstream: JetStreamContext
) -> None:
    old = [department_state(uuid.uuid4(), f"Desk {n}", LONG_AGO) for n in range(3)]
    requests: list[dict[str, Any]] = []
    # Two departments a page, so that learning them takes several requests.
    bootstrap = dataclasses.replace(records_bootstrap_run, page_size=2)
    stop = asyncio.Event()
    async with (
        # Answered slowly enough that the two askers overlap.
        ticketing_answering(
            servers.nats_url,
            settings_state(True, LONG_AGO),
            old,
            requests=requests,
            note=consumers_noted(jetstream),
            delay=0.3,
        ),
        time_tracker(database, servers) as first,
        time_tracker(database, servers) as second,
    ):
        await asyncio.wait_for(
            asyncio.gather(
                bootstrap.keep_trying(first, stop, retry_seconds=0.1),
                bootstrap.keep_trying(second, stop, retry_seconds=0.1),
            ),
            timeout=30,
        )

    assert [r for r in requests if "after" not in r] == [
        {"subject": SETTINGS_STATE_SUBJECT, "consumers": True},
        {"subject": DEPARTMENT_STATES_SUBJECT, "consumers": True, "limit": 2},
    ], "one of the two asked, once, and only after both consumers existed"
    assert len(requests) == 3
    async with app.engine.begin() as connection:
        (marker,) = (await connection.execute(text("SELECT id, departments FROM records_bootstrap"))).all()
        names = {row.name for row in await connection.execute(text("SELECT name FROM departments"))}
        (switch,) = (await connection.execute(text("SELECT ticket_system_enabled FROM module_switch"))).all()
    assert tuple(marker) == (1, 3)
    assert names == {"Desk 0", "Desk 1", "Desk 2"}
    assert switch.ticket_system_enabled is True

    # A third start finds the mark and asks nothing.
    async with time_tracker(database, servers) as third:
        await asyncio.wait_for(bootstrap.keep_trying(third, stop, retry_seconds=0.1), timeout=5)
    assert len(requests) == 3
