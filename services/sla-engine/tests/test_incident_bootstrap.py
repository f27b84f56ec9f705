"""The incident timers an engine learns from itsm's incident states (incidents/bootstrap.py), on real
NATS and PostgreSQL with a stand-in for itsm's `incident-states` role (helpdesk_common/testing/
incident_states.py): an engine with no timers learns the open incidents under an SLA (two engines
starting at once ask once, after creating their consumer at the stream's end), each through
`observe_incident` as an event would be, so a state older than an event already applied changes
nothing. Itsm's own answer is services/itsm/tests/test_incident_states.py's."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

from nats.js import JetStreamContext
from nats.js.api import DeliverPolicy
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from helpdesk_common.contracts.incident_states import IncidentState
from helpdesk_common.contracts.itsm import IncidentAcknowledged, IncidentChangeData, IncidentSnapshot
from helpdesk_common.db import create_engine, create_session_factory
from helpdesk_common.service import ServiceRuntime
from helpdesk_common.testing.incident_states import (
    consumer_noted,
    incident_snapshot,
    incident_states,
    itsm_answering,
)
from helpdesk_common.testing.infrastructure import TestServers
from helpdesk_common.testing.plugin import TestDatabase
from sla_engine.config import SlaEngineSettings
from sla_engine.definitions.schemas import SlaDefinitionCreate
from sla_engine.definitions.service import create_definition
from sla_engine.incidents.bootstrap import bootstrap_incident_timers_job, incident_timers_bootstrap
from sla_engine.incidents.consumers import incident_events_consumer
from sla_engine.main import service

Sessions = async_sessionmaker[AsyncSession]
Sql = Callable[[str], Awaitable[list[Any]]]
HOUR = timedelta(hours=1)


async def an_sla(sessions: Sessions) -> uuid.UUID:
    async with sessions() as session, session.begin():
        data = SlaDefinitionCreate(name="Major", response_hours=1, resolution_hours=4)
        return (await create_definition(session, data=data)).id


@asynccontextmanager
async def jobs_process(database: TestDatabase, servers: TestServers) -> AsyncIterator[ServiceRuntime]:
    """What a `jobs` process of its own has: its own connections to the same database."""
    url = database.url_for(service)
    settings = SlaEngineSettings(database_url=url, nats_url=servers.nats_url, sla_bootstrap_retry_seconds=0.1)
    engine = create_engine(url, schema=service.schema, pool_size=2)
    try:
        yield ServiceRuntime(settings, engine, create_session_factory(engine))
    finally:
        await engine.dispose()


async def test_two_engines_without_timers_learn_the_open_incidents_under_an_sla_once(
    sessions: Sessions,
    sql: Sql,
    now: datetime,
    database: TestDatabase,
    servers: TestServers,
    jetstream: JetStreamContext,
) -> None:
    assert bootstrap_incident_timers_job in service.jobs
    major = await an_sla(sessions)
    # Opened and acknowledged long before the ITSM stream's two weeks, still open.
    long_ago = now - timedelta(days=30)
    acknowledged = incident_snapshot(
        "INC-000001",
        sla_id=major,
        status="acknowledged",
        created_at=long_ago,
        acknowledged_at=long_ago + timedelta(minutes=20),
        updated_at=long_ago + timedelta(minutes=20),
    )
    fresh = incident_snapshot("INC-000002", sla_id=major, created_at=now, updated_at=now)
    stop = asyncio.Event()
    states = incident_states(acknowledged, fresh)
    noted = consumer_noted(jetstream, incident_events_consumer.spec.durable)
    async with (
        itsm_answering(servers.nats_url, states, note=noted, delay=0.3) as requests,
        jobs_process(database, servers) as first,
        jobs_process(database, servers) as second,
    ):
        await asyncio.wait_for(
            asyncio.gather(*(bootstrap_incident_timers_job(jobs, stop) for jobs in (first, second))),
            timeout=30,
        )
        assert requests == [{"scope": "open_under_sla", "consumer_deliver_policy": DeliverPolicy.NEW}], (
            "one of the two asked, once, after its consumer existed at the stream's end"
        )
        (marker,) = await sql("SELECT id, incidents FROM sla.incident_timer_bootstrap")
        assert tuple(marker) == (1, 2)

        rows = await sql("SELECT * FROM sla.incident_timers ORDER BY incident_number")
        kept = {row["incident_number"]: dict(row) for row in rows}
        old = kept["INC-000001"]
        assert (old["response_outcome"], old["resolution_due_at"]) == ("met", long_ago + 4 * HOUR)
        assert old["next_check_at"] == long_ago + 4 * HOUR, "long past: the sweep's next look breaches it"
        assert kept["INC-000002"]["response_due_at"] == now + HOUR
        assert kept["INC-000002"]["next_check_at"] == now + HOUR, "the sweep breaches it if nobody answers"

        # The jobs role's next start finds the mark and asks nothing.
        async with jobs_process(database, servers) as third:
            await asyncio.wait_for(bootstrap_incident_timers_job(third, stop), timeout=5)
        assert len(requests) == 1


async def test_a_state_older_than_an_event_already_applied_changes_nothing(
    sessions: Sessions, sql: Sql, now: datetime
) -> None:
    major = await an_sla(sessions)
    opened = incident_snapshot("INC-000001", sla_id=major, created_at=now - HOUR, updated_at=now - HOUR)
    acknowledged = opened.model_copy(
        update={"status": "acknowledged", "acknowledged_at": now - HOUR / 2, "updated_at": now - HOUR / 2}
    )
    event = IncidentAcknowledged.build(
        source="itsm", subject=str(opened.id), data=IncidentChangeData(incident=acknowledged)
    )

    async def applied(*snapshots: IncidentSnapshot) -> dict[str, Any]:
        async with sessions() as session, session.begin():
            for snapshot in snapshots:
                await incident_timers_bootstrap.apply(session, IncidentState(incident=snapshot))
        (row,) = await sql(f"SELECT * FROM sla.incident_timers WHERE incident_id = '{opened.id}'")
        return dict(row)

    async with sessions() as session, session.begin():
        await incident_events_consumer.handlers.single[IncidentAcknowledged](session, event)
    # The state read before the acknowledgement arrived as an event: the timer keeps the response.
    timer = await applied(opened)
    assert (timer["status"], timer["response_outcome"]) == ("acknowledged", "met")
    assert timer["incident_updated_at"] == acknowledged.updated_at
    # A newer one counts: resolved since.
    resolved = acknowledged.model_copy(update={"status": "resolved", "resolved_at": now, "updated_at": now})
    timer = await applied(resolved)
    assert (timer["status"], timer["resolution_outcome"], timer["next_check_at"]) == ("resolved", "met", None)
