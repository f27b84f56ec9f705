"""How a service without its copy of ticketing's tickets (a first deploy, a lost database) learns them:
not by replaying TICKET_EVENTS (two weeks, and no older ticket), but by asking ticketing for the
tickets as they are now (contracts/ticket_states.py), page by page, each applied by the service's own
`apply`, the rule its events go through.

Order makes it whole: the service's durable consumer of the ticket events exists first (created at the
stream's end when it is `deliver_new`), so every change after that moment arrives as an event; the
states read afterwards hold everything before it. `apply` must keep the newer of a snapshot and an
event already applied (snapshots carry `updated_at`), as events arriving out of order already require.
One process at a time (an advisory lock); the one row of the service's marker table
(`ticket_bootstrap_table`) says it is done, and a process killed halfway leaves none, so the next
start learns again, harmlessly.

A service declares the table in its metadata, creates it in a migration, and runs `keep_trying` from a
job of its `jobs` role, with a retry interval of its own settings.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import nats
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout
from sqlalchemy import CheckConstraint, Column, DateTime, Integer, MetaData, Table, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from helpdesk_common.bus.topology import ConsumerSpec, ensure_consumer
from helpdesk_common.contracts.ticket_states import (
    TICKET_STATES_SUBJECT,
    TicketScope,
    TicketState,
    TicketStatesPage,
    TicketStatesRequest,
)
from helpdesk_common.periodic import sleep_unless_stopped
from helpdesk_common.service import ServiceRuntime

log = logging.getLogger(__name__)
PAGE = 200
ANSWER_SECONDS = 30.0

ApplyState = Callable[[AsyncSession, TicketState], Awaitable[None]]


class TicketingDidNotAnswer(Exception):
    pass


def ticket_bootstrap_table(metadata: MetaData, name: str = "ticket_bootstrap") -> Table:
    """One row (id 1) once the tickets were learnt: when, and how many."""
    return Table(
        name,
        metadata,
        Column("id", Integer, primary_key=True),
        Column("finished_at", DateTime(timezone=True), nullable=False),
        Column("tickets", Integer, nullable=False),
        CheckConstraint("id = 1", name=f"{name}_one_row"),
    )


@dataclass(frozen=True)
class TicketBootstrap:
    """`service` names the NATS connection (`<service>-bootstrap`); `what` is how the logs name what is
    learnt; `lock_key` a constant of the service's own (advisory lock keys are per database, which the
    services share); `consumer` the durable made to exist first; `scope` which tickets to ask for."""

    service: str
    what: str
    lock_key: int
    table: Table
    consumer: ConsumerSpec
    scope: TicketScope
    apply: ApplyState
    page_size: int = PAGE

    async def keep_trying(
        self, runtime: ServiceRuntime, stop: asyncio.Event, *, retry_seconds: float
    ) -> None:
        """Until the tickets are known, by this process or another; again after `retry_seconds` while
        ticketing does not answer or another process is learning them."""
        while not stop.is_set():
            try:
                if await self.run(runtime.session_factory, runtime.settings.nats_url):
                    return
            except TicketingDidNotAnswer as silence:
                log.warning("%s not learnt yet: %s; asking again in %g s", self.what, silence, retry_seconds)
            except Exception:
                log.exception("%s not learnt yet; asking again in %g s", self.what, retry_seconds)
            await sleep_unless_stopped(stop, retry_seconds)

    async def run(self, sessions: async_sessionmaker[AsyncSession], nats_url: str) -> bool:
        """True once the tickets are known (by this process or another); False while another learns
        them."""
        async with sessions() as session, session.begin():
            if await self._done(session):
                return True
            if not await session.scalar(select(func.pg_try_advisory_xact_lock(self.lock_key))):
                return False
            # Read again under the lock: the one who held it may have finished since the first look.
            if await self._done(session):
                return True
            # The lock holds while this transaction lives; each page commits in a session of its own.
            client = await nats.connect(nats_url, name=f"{self.service}-bootstrap")
            try:
                await ensure_consumer(client.jetstream(), self.consumer)
                learnt = await self._learn(sessions, client)
            finally:
                await client.close()
            await session.execute(insert(self.table).values(id=1, finished_at=func.now(), tickets=learnt))
            log.info("%s learnt from ticketing's ticket states: %d tickets", self.what, learnt)
            return True

    async def _done(self, session: AsyncSession) -> bool:
        return await session.scalar(select(self.table.c.id)) is not None

    async def _learn(self, sessions: async_sessionmaker[AsyncSession], client: nats.NATS) -> int:
        after: uuid.UUID | None = None
        learnt = 0
        while True:
            request = TicketStatesRequest(after=after, limit=self.page_size, scope=self.scope)
            page = await _ask(client, request)
            async with sessions() as session, session.begin():
                await session.execute(text("SET LOCAL lock_timeout = '10s'"))
                for state in page.states:
                    await self.apply(session, state)
            learnt += len(page.states)
            if page.next_after is None:
                return learnt
            after = page.next_after


async def _ask(client: nats.NATS, request: TicketStatesRequest) -> TicketStatesPage:
    # Without what it leaves at its default, a request is read by a ticketing from before the field
    # was added; one asking for more than the default is refused by that ticketing, in words.
    body = request.model_dump_json(exclude_defaults=True).encode()
    try:
        answer = await client.request(TICKET_STATES_SUBJECT, body, timeout=ANSWER_SECONDS)
    except (NoRespondersError, NatsTimeout) as silence:
        raise TicketingDidNotAnswer(
            f"ticketing's ticket-states role did not answer ({type(silence).__name__})"
        ) from None
    page = TicketStatesPage.model_validate_json(answer.data)
    if page.error:
        raise TicketingDidNotAnswer(page.error)
    return page
