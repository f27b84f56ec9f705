"""The departments and Ticket System switch the notifier's `jobs` role learns from ticketing's states
(projections.py, the shared records bootstrap), on real NATS and PostgreSQL with a stand-in for
ticketing's `ticket-states` role (helpdesk_common/testing/ticket_states.py): a department's
notification settings and webhooks become reachable and the module on, a state older than an event
already applied changes nothing, and the marker row makes a second start ask nothing. The live
updates' tickets are learnt by a bootstrap of their own (test_live.py); the shared rule itself is
services/timetracking/tests/test_records_bootstrap.py's."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from nats.js import JetStreamContext
from sqlalchemy import text

from helpdesk_common.contracts.ticket_states import DEPARTMENT_STATES_SUBJECT, SETTINGS_STATE_SUBJECT
from helpdesk_common.contracts.ticketing import DepartmentChanged, DepartmentData, DepartmentSnapshot
from helpdesk_common.db import create_engine, create_session_factory
from helpdesk_common.service import ServiceRuntime
from helpdesk_common.testing.apps import ServiceApp
from helpdesk_common.testing.infrastructure import TestServers
from helpdesk_common.testing.plugin import TestDatabase
from helpdesk_common.testing.ticket_states import department_state, settings_state, ticketing_answering
from notifier.config import NotifierSettings
from notifier.main import service
from notifier.projections import departments_projection, learn_records_job

LONG_AGO = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
MANAGER = ("tickets_enabled", "tickets_manage_webhooks", "tickets_manage_departments")


@asynccontextmanager
async def jobs_process(database: TestDatabase, servers: TestServers) -> AsyncIterator[ServiceRuntime]:
    """What a `jobs` process of its own has: its own connections to the same database."""
    url = database.url_for(service)
    settings = NotifierSettings(
        database_url=url, nats_url=servers.nats_url, notifier_bootstrap_retry_seconds=0.1
    )
    engine = create_engine(url, schema=service.schema, pool_size=2)
    try:
        yield ServiceRuntime(settings, engine, create_session_factory(engine))
    finally:
        await engine.dispose()


async def test_the_jobs_role_learns_the_departments_and_switch_once_and_an_older_state_changes_nothing(
    app: ServiceApp, database: TestDatabase, servers: TestServers, jetstream: JetStreamContext
) -> None:
    assert learn_records_job in service.jobs
    headers = app.as_operator(*MANAGER)
    # A department ticketing announced just now: the state read of it is older.
    renamed = uuid.uuid4()
    event = DepartmentChanged.build(
        source="ticketing",
        subject=str(renamed),
        data=DepartmentData(department=DepartmentSnapshot(id=renamed, name="Support, renamed", enabled=True)),
    )
    async with app.sessions() as session, session.begin():
        await departments_projection.changed(session, event)
    field = uuid.uuid4()
    off = await app.client.get(f"/departments/{field}/webhooks", headers=headers)
    assert off.status_code == 403 and off.json()["reason"] == "module_disabled"

    states = [department_state(field, "Field", LONG_AGO), department_state(renamed, "Support", LONG_AGO)]
    async with (
        ticketing_answering(servers.nats_url, settings_state(True, LONG_AGO), states) as asked,
        jobs_process(database, servers) as jobs,
    ):
        await asyncio.wait_for(learn_records_job(jobs, asyncio.Event()), timeout=10)
        assert asked == [SETTINGS_STATE_SUBJECT, DEPARTMENT_STATES_SUBJECT]

        app.client._transport.app.state.ticket_system_switch = None  # type: ignore[attr-defined]
        for department_id in (field, renamed):
            for tail in ("webhooks", "notifications"):
                read = await app.client.get(f"/departments/{department_id}/{tail}", headers=headers)
                assert read.status_code == 200, (tail, read.text)
        async with app.engine.begin() as connection:
            names = dict((await connection.execute(text("SELECT id, name FROM departments"))).all())
            (marker,) = (
                await connection.execute(text("SELECT id, departments FROM records_bootstrap"))
            ).all()
        assert names == {field: "Field", renamed: "Support, renamed"}
        assert tuple(marker) == (1, 2)

        # Another start finds the mark and asks nothing.
        await asyncio.wait_for(learn_records_job(jobs, asyncio.Event()), timeout=5)
        assert len(asked) == 2
