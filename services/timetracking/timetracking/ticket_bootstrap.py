"""How time tracking learns the tickets from before its consumer of the ticket stream existed (a
deployment that adds it to a running platform, a lost database): through the shared ticket bootstrap
(helpdesk_common/projections/ticket_bootstrap.py), which creates `timetracking-tickets` at the stream's
end first and then asks ticketing for every ticket, closed ones too (time is booked on them), each
applied under the projection's own rule (ticket_events.py). Run by the `jobs` role; the one row of
`ticket_bootstrap` says it is done."""

from __future__ import annotations

import asyncio

from helpdesk_common.contracts.ticket_states import TicketScope
from helpdesk_common.projections.ticket_bootstrap import TicketBootstrap
from helpdesk_common.service import ServiceRuntime
from timetracking.config import TimetrackingSettings
from timetracking.tables import ticket_bootstrap
from timetracking.ticket_events import apply_ticket_state, tickets_consumer

tickets_bootstrap = TicketBootstrap(
    service="timetracking",
    what="Time tracking's tickets",
    lock_key=0x717E_B007,
    table=ticket_bootstrap,
    consumer=tickets_consumer.spec,
    scope=TicketScope.ALL,
    apply=apply_ticket_state,
)


async def learn_tickets_job(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    settings = runtime.settings
    assert isinstance(settings, TimetrackingSettings)
    await tickets_bootstrap.keep_trying(
        runtime, stop, retry_seconds=settings.timetracking_bootstrap_retry_seconds
    )
