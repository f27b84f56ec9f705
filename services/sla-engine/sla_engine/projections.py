"""The projection that keeps the Ticket System switch from ticketing's `ticket_settings_changed`
(the shared one, helpdesk_common/projections/module_switch.py), so the SLA endpoints are switched off
with the rest of the module. A switch last changed before the TICKETING stream's two weeks is learnt
once from ticketing's settings state (the shared records bootstrap), by the `jobs` role; the one row of
`records_bootstrap` says it is done."""

from __future__ import annotations

import asyncio

from helpdesk_common.projections.module_switch import ModuleSwitchProjection
from helpdesk_common.projections.records_bootstrap import RecordsBootstrap
from helpdesk_common.service import ServiceRuntime
from sla_engine.config import SlaEngineSettings
from sla_engine.tables import module_switch, records_bootstrap

module_switch_projection = ModuleSwitchProjection(
    "sla-engine",
    module_switch,
    why="The Ticket System switch, which gates the SLA endpoints as it gates ticketing's.",
)
ticket_settings_consumer = module_switch_projection.consumer
on_ticket_settings_changed = module_switch_projection.changed

records_bootstrap_run = RecordsBootstrap(
    service="sla-engine",
    what="The SLA engine's switch",
    lock_key=0x51A_DE97,
    table=records_bootstrap,
    switch=module_switch_projection,
)


async def learn_switch_job(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    settings = runtime.settings
    assert isinstance(settings, SlaEngineSettings)
    await records_bootstrap_run.keep_trying(runtime, stop, retry_seconds=settings.sla_bootstrap_retry_seconds)
