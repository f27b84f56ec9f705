"""How an engine without its incident timers (a first deploy, a lost database) learns them: through the
shared incident bootstrap (helpdesk_common/projections/incident_bootstrap.py), which creates the durable
consumer `sla-engine-incidents` at the stream's end first and then asks itsm for the incidents under an
SLA that are not closed, each put through the same `observe_incident` as every event: an incident seen
both ways keeps the newer snapshot. The one row of `incident_timer_bootstrap` says it is done."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.contracts.incident_states import IncidentScope, IncidentState
from helpdesk_common.projections.incident_bootstrap import IncidentBootstrap
from helpdesk_common.service import ServiceRuntime
from sla_engine.config import SlaEngineSettings
from sla_engine.incidents.consumers import incident_events_consumer
from sla_engine.incidents.service import observe_incident
from sla_engine.tables import incident_timer_bootstrap


async def _observe(session: AsyncSession, state: IncidentState) -> None:
    await observe_incident(session, state.incident)


incident_timers_bootstrap = IncidentBootstrap(
    service="sla-engine",
    what="SLA incident timers",
    lock_key=0x51A_1BC7,
    table=incident_timer_bootstrap,
    consumer=incident_events_consumer.spec,
    scope=IncidentScope.OPEN_UNDER_SLA,
    apply=_observe,
)


async def bootstrap_incident_timers_job(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    settings = runtime.settings
    assert isinstance(settings, SlaEngineSettings)
    await incident_timers_bootstrap.keep_trying(
        runtime, stop, retry_seconds=settings.sla_bootstrap_retry_seconds
    )
