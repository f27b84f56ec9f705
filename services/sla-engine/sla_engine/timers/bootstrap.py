"""How an engine without its timers (a first deploy, a lost database) learns them: not by replaying
TICKET_EVENTS (two weeks, and no older ticket), but by asking ticketing for the tickets as they are
now (contracts/ticket_states.py), page by page, through the same `observe_ticket` as every event.

Order makes it whole: the durable consumer exists first, created at the stream's end
(`deliver_new`), so every change after that moment arrives as an event; the states read afterwards
hold everything before it. A ticket seen both ways keeps the newer snapshot and the earlier first
response, as events arriving out of order do. One engine at a time (an advisory lock); the one row
of `timer_bootstrap` says it is done, and an engine killed halfway starts again, harmlessly."""

from __future__ import annotations

import asyncio
import logging
import uuid

import nats
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout
from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from helpdesk_common.bus.topology import ensure_consumer
from helpdesk_common.contracts.ticket_states import (
    TICKET_STATES_SUBJECT,
    TicketStatesPage,
    TicketStatesRequest,
)
from helpdesk_common.periodic import sleep_unless_stopped
from helpdesk_common.service import ServiceRuntime
from sla_engine.config import SlaEngineSettings
from sla_engine.tables import timer_bootstrap
from sla_engine.timers.consumers import ticket_events_consumer
from sla_engine.timers.service import observe_ticket

log = logging.getLogger(__name__)
# Any constant of the engine's own: pg_try_advisory_xact_lock keys are per database.
LOCK_KEY = 0x51A_B007
PAGE = 200
ANSWER_SECONDS = 30.0


class TicketingDidNotAnswer(Exception):
    pass


async def bootstrap_timers_job(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    settings = runtime.settings
    assert isinstance(settings, SlaEngineSettings)
    while not stop.is_set():
        try:
            if await bootstrap_timers(runtime.session_factory, settings.nats_url):
                return
        except TicketingDidNotAnswer as silence:
            log.warning(
                "SLA timers not learnt yet: %s; asking again in %g s",
                silence,
                settings.sla_bootstrap_retry_seconds,
            )
        except Exception:
            log.exception(
                "SLA timers not learnt yet; asking again in %g s", settings.sla_bootstrap_retry_seconds
            )
        await sleep_unless_stopped(stop, settings.sla_bootstrap_retry_seconds)


async def bootstrap_timers(sessions: async_sessionmaker[AsyncSession], nats_url: str) -> bool:
    """True once the timers are known (by this engine or another); False while another learns them."""
    async with sessions() as session, session.begin():
        if await session.scalar(select(timer_bootstrap.c.id)) is not None:
            return True
        locked = await session.scalar(select(func.pg_try_advisory_xact_lock(LOCK_KEY)))
        if not locked:
            return False
        # The lock holds while this transaction lives; each page commits in a session of its own.
        client = await nats.connect(nats_url, name="sla-engine-bootstrap")
        try:
            await ensure_consumer(client.jetstream(), ticket_events_consumer.spec)
            learnt = await _learn(sessions, client)
        finally:
            await client.close()
        await session.execute(insert(timer_bootstrap).values(id=1, finished_at=func.now(), tickets=learnt))
        log.info("SLA timers learnt from ticketing's ticket states: %d tickets", learnt)
        return True


async def _learn(sessions: async_sessionmaker[AsyncSession], client: nats.NATS) -> int:
    after: uuid.UUID | None = None
    learnt = 0
    while True:
        page = await _ask(client, TicketStatesRequest(after=after, limit=PAGE))
        async with sessions() as session, session.begin():
            await session.execute(text("SET LOCAL lock_timeout = '10s'"))
            for state in page.states:
                await observe_ticket(session, state.ticket, responded_at=state.first_response_at)
        learnt += len(page.states)
        if page.next_after is None:
            return learnt
        after = page.next_after


async def _ask(client: nats.NATS, request: TicketStatesRequest) -> TicketStatesPage:
    try:
        answer = await client.request(
            TICKET_STATES_SUBJECT, request.model_dump_json().encode(), timeout=ANSWER_SECONDS
        )
    except (NoRespondersError, NatsTimeout) as silence:
        raise TicketingDidNotAnswer(
            f"ticketing's ticket-states role did not answer ({type(silence).__name__})"
        ) from None
    page = TicketStatesPage.model_validate_json(answer.data)
    if page.error:
        raise TicketingDidNotAnswer(page.error)
    return page
