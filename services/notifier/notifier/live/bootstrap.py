"""How the live updates learn the tickets from before their consumer of the ticket stream existed (a
notifier added to a running platform, a lost database), so that presence on an older ticket is not a
404: through the shared ticket bootstrap (helpdesk_common/projections/ticket_bootstrap.py), which makes
`notifier-live-tickets` exist first and then asks ticketing for every ticket, closed ones too (an
operator opens those as well), each applied under the projection's own rule (projection.py). The
consumer still reads the stream from its start: the events it holds say what asked for an operator's
eye, which the snapshots do not. Run by the `jobs` role; the one row of `live_tickets_bootstrap` says
it is done."""

from __future__ import annotations

import asyncio

from helpdesk_common.contracts.ticket_states import TicketScope
from helpdesk_common.projections.ticket_bootstrap import TicketBootstrap
from helpdesk_common.service import ServiceRuntime
from notifier.config import NotifierSettings
from notifier.live.projection import apply_ticket_state, tickets_consumer
from notifier.live.tables import live_tickets_bootstrap

live_tickets_bootstrap_run = TicketBootstrap(
    service="notifier",
    what="The live updates' tickets",
    lock_key=0x1A7E_B007,
    table=live_tickets_bootstrap,
    consumer=tickets_consumer.spec,
    scope=TicketScope.ALL,
    apply=apply_ticket_state,
)


async def learn_live_tickets_job(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    settings = runtime.settings
    assert isinstance(settings, NotifierSettings)
    await live_tickets_bootstrap_run.keep_trying(
        runtime, stop, retry_seconds=settings.live_bootstrap_retry_seconds
    )
