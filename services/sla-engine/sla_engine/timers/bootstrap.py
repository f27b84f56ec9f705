"""How an engine without its timers (a first deploy, a lost database) learns them: through the shared
ticket bootstrap (helpdesk_common/projections/ticket_bootstrap.py), which creates the durable consumer
`sla-engine-tickets` at the stream's end first and then asks ticketing for the open tickets under an
SLA, each put through the same `observe_ticket` as every event: a ticket seen both ways keeps the
newer snapshot and the earlier first response. The one row of `timer_bootstrap` says it is done."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.contracts.ticket_states import TicketScope, TicketState
from helpdesk_common.projections.ticket_bootstrap import TicketBootstrap
from helpdesk_common.service import ServiceRuntime
from sla_engine.config import SlaEngineSettings
from sla_engine.tables import timer_bootstrap
from sla_engine.timers.consumers import ticket_events_consumer
from sla_engine.timers.service import observe_ticket


async def _observe(session: AsyncSession, state: TicketState) -> None:
    await observe_ticket(session, state.ticket, responded_at=state.first_response_at)


timers_bootstrap = TicketBootstrap(
    service="sla-engine",
    what="SLA timers",
    # The engine's own since before the bootstrap was shared: engines of both versions take turns.
    lock_key=0x51A_B007,
    table=timer_bootstrap,
    consumer=ticket_events_consumer.spec,
    scope=TicketScope.OPEN_UNDER_SLA,
    apply=_observe,
)


async def bootstrap_timers_job(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    settings = runtime.settings
    assert isinstance(settings, SlaEngineSettings)
    await timers_bootstrap.keep_trying(runtime, stop, retry_seconds=settings.sla_bootstrap_retry_seconds)
