"""How time tracking learns the incidents from before its consumer of the ITSM stream existed (a
deployment that adds it to a running platform, a lost database): through the shared incident bootstrap
(helpdesk_common/projections/incident_bootstrap.py), which creates `timetracking-incidents` at the
stream's end first and then asks itsm for every incident, closed ones too (time is booked on them),
each applied under the projection's own rule (incident_events.py). Run by the `jobs` role; the one row
of `incident_bootstrap` says it is done."""

from __future__ import annotations

import asyncio

from helpdesk_common.contracts.incident_states import IncidentScope
from helpdesk_common.projections.incident_bootstrap import IncidentBootstrap
from helpdesk_common.service import ServiceRuntime
from timetracking.config import TimetrackingSettings
from timetracking.incident_events import apply_incident_state, incidents_consumer
from timetracking.tables import incident_bootstrap

incidents_bootstrap = IncidentBootstrap(
    service="timetracking",
    what="Time tracking's incidents",
    lock_key=0x717E_1BC7,
    table=incident_bootstrap,
    consumer=incidents_consumer.spec,
    scope=IncidentScope.ALL,
    apply=apply_incident_state,
)


async def learn_incidents_job(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    settings = runtime.settings
    assert isinstance(settings, TimetrackingSettings)
    await incidents_bootstrap.keep_trying(
        runtime, stop, retry_seconds=settings.timetracking_bootstrap_retry_seconds
    )
