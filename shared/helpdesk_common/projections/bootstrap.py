"""How a service without its copy of another service's records (a first deploy, a lost database) learns
it: not by replaying the owner's streams (two weeks, and nothing older), but by asking the owner for
its state as it is now (contracts/ticket_states.py, contracts/incident_states.py; the owner answers
through states_role.py), each state applied by the projection's own rule, the one its events go
through. Ticketing's tickets (ticket_bootstrap.py), its departments with the module switch
(records_bootstrap.py) and itsm's incidents (incident_bootstrap.py) are learnt this one way.

Order makes it whole: the service's durable consumers of the events exist first, so every change after
that moment arrives as an event; the states read afterwards hold everything before it. The
projection must keep the newer of a state and an event already applied (a state carries when it last
changed), as events arriving out of order already require. One process at a time (an advisory lock);
the one row of the service's marker table (`bootstrap_table`) says it is done, and a process killed
halfway leaves none, so the next start learns again, harmlessly.

A service declares the marker in its metadata, creates it in a migration, and runs `keep_trying` from a
job of its `jobs` role, with a retry interval of its own settings.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

import nats
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout
from pydantic import BaseModel
from sqlalchemy import CheckConstraint, Column, DateTime, Integer, MetaData, Table, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from helpdesk_common.bus.topology import ConsumerSpec, ensure_consumer
from helpdesk_common.contracts.states import StatesAnswer, StatesPage
from helpdesk_common.periodic import sleep_unless_stopped
from helpdesk_common.service import ServiceRuntime

log = logging.getLogger(__name__)
PAGE = 200
ANSWER_SECONDS = 30.0

Answer = TypeVar("Answer", bound=StatesAnswer)
State = TypeVar("State", bound=BaseModel)


class OwnerDidNotAnswer(Exception):
    """The service that owns the states did not answer, or answered with an error."""


def bootstrap_table(metadata: MetaData, name: str, *counts: str) -> Table:
    """One row (id 1) once the states were learnt: when, and how many of each kind (`counts`)."""
    return Table(
        name,
        metadata,
        Column("id", Integer, primary_key=True),
        Column("finished_at", DateTime(timezone=True), nullable=False),
        *(Column(count, Integer, nullable=False) for count in counts),
        CheckConstraint("id = 1", name=f"{name}_one_row"),
    )


@dataclass(frozen=True)
class Bootstrap(ABC):
    """`service` names the NATS connection (`<service>-bootstrap`); `what` is how the logs name what is
    learnt; `lock_key` a constant of the service's own (advisory lock keys are per database, which the
    services share); `table` the marker."""

    # Who answers the states, as the logs name it (ticketing's `ticket-states` role, ...).
    answerer: ClassVar[str]

    service: str
    what: str
    lock_key: int
    table: Table

    @property
    @abstractmethod
    def consumers(self) -> Sequence[ConsumerSpec]:
        """The durables made to exist before the states are asked for."""

    @abstractmethod
    async def learn(self, sessions: async_sessionmaker[AsyncSession], client: nats.NATS) -> dict[str, int]:
        """Asks for the states and applies them; how many of each kind, the marker's counts."""

    async def keep_trying(
        self, runtime: ServiceRuntime, stop: asyncio.Event, *, retry_seconds: float
    ) -> None:
        """Until the states are known, by this process or another; again after `retry_seconds` while
        their owner does not answer or another process is learning them."""
        while not stop.is_set():
            try:
                if await self.run(runtime.session_factory, runtime.settings.nats_url):
                    return
            except OwnerDidNotAnswer as silence:
                log.warning("%s not learnt yet: %s; asking again in %g s", self.what, silence, retry_seconds)
            except Exception:
                log.exception("%s not learnt yet; asking again in %g s", self.what, retry_seconds)
            await sleep_unless_stopped(stop, retry_seconds)

    async def run(self, sessions: async_sessionmaker[AsyncSession], nats_url: str) -> bool:
        """True once the states are known (by this process or another); False while another learns
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
                for consumer in self.consumers:
                    await ensure_consumer(client.jetstream(), consumer)
                learnt = await self.learn(sessions, client)
            finally:
                await client.close()
            await session.execute(insert(self.table).values(id=1, finished_at=func.now(), **learnt))
            counted = ", ".join(f"{count} {kind}" for kind, count in learnt.items())
            log.info("%s learnt from %s: %s", self.what, self.answerer, counted)
            return True

    async def learn_pages(
        self,
        sessions: async_sessionmaker[AsyncSession],
        client: nats.NATS,
        subject: str,
        request: Callable[[uuid.UUID | None], BaseModel],
        page: type[StatesPage[State]],
        apply: Callable[[AsyncSession, State], Awaitable[None]],
    ) -> int:
        """Every page of `subject` in id order, each request for the page after the one before, each
        page applied in a transaction of its own; how many states were learnt."""
        after: uuid.UUID | None = None
        learnt = 0
        while True:
            read = await ask(client, subject, request(after), page, answerer=self.answerer)
            await apply_all(sessions, apply, read.states)
            learnt += len(read.states)
            if read.next_after is None:
                return learnt
            after = read.next_after

    async def _done(self, session: AsyncSession) -> bool:
        return await session.scalar(select(self.table.c.id)) is not None


@dataclass(frozen=True, kw_only=True)
class PagedBootstrap(Bootstrap, Generic[State]):
    """One kind of state (the class's `subject`, `page` and `kind`, the marker's count), page by page,
    after the one durable of its events: `consumer` that durable, `apply` the projection's rule for a
    state; `request` says what a page after `after` asks for."""

    subject: ClassVar[str]
    page: ClassVar[type[StatesPage[Any]]]
    kind: ClassVar[str]

    consumer: ConsumerSpec
    apply: Callable[[AsyncSession, State], Awaitable[None]]
    page_size: int = PAGE

    @property
    def consumers(self) -> Sequence[ConsumerSpec]:
        return (self.consumer,)

    @abstractmethod
    def request(self, after: uuid.UUID | None) -> BaseModel:
        """The request for the page after `after` (the first page's without)."""

    async def learn(self, sessions: async_sessionmaker[AsyncSession], client: nats.NATS) -> dict[str, int]:
        learnt = await self.learn_pages(sessions, client, self.subject, self.request, self.page, self.apply)
        return {self.kind: learnt}


async def ask(
    client: nats.NATS, subject: str, request: BaseModel, answer: type[Answer], *, answerer: str
) -> Answer:
    # Without what it leaves at its default, a request is read by an owner from before the field was
    # added; one asking for more than the default is refused by that owner, in words.
    body = request.model_dump_json(exclude_defaults=True).encode()
    try:
        reply = await client.request(subject, body, timeout=ANSWER_SECONDS)
    except (NoRespondersError, NatsTimeout) as silence:
        raise OwnerDidNotAnswer(
            f"{answerer} did not answer on {subject} ({type(silence).__name__})"
        ) from None
    read = answer.model_validate_json(reply.data)
    if read.error:
        raise OwnerDidNotAnswer(read.error)
    return read


async def apply_all(
    sessions: async_sessionmaker[AsyncSession],
    apply: Callable[[AsyncSession, State], Awaitable[None]],
    states: Sequence[State],
) -> None:
    """One page in a transaction of its own, which waits for no row lock long."""
    async with sessions() as session, session.begin():
        await session.execute(text("SET LOCAL lock_timeout = '10s'"))
        for state in states:
            await apply(session, state)
