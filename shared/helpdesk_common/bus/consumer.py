"""A durable consumer of one service: typed handlers by contract, and the loop that pulls batches,
applies them once (bus/inbox.py) and settles each message: ack after the commit, or another try and
in the end a dead letter (bus/dead_letters.py).

The loop is ours, not a framework's subscriber (docs/architecture.md, "The bus without FastStream").
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from nats.aio.client import Client
from nats.aio.msg import Msg
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from helpdesk_common.bus.dead_letters import RetryPolicy, retry_or_dead_letter
from helpdesk_common.bus.inbox import Delivered, Handlers, Outcome, apply_once
from helpdesk_common.bus.pull import PullBatches
from helpdesk_common.bus.topology import ConsumerSpec
from helpdesk_common.contracts.envelope import ContractViolation, EventEnvelope
from helpdesk_common.contracts.registry import parse_event
from helpdesk_common.periodic import sleep_unless_stopped

log = logging.getLogger(__name__)

EventT = TypeVar("EventT", bound=EventEnvelope[Any])


class EventConsumer:
    """One durable consumer of one service, dispatching events to handlers by their contract."""

    def __init__(
        self,
        spec: ConsumerSpec,
        *,
        retry: RetryPolicy | None = None,
        batch_size: int = 256,
        batch_timeout_seconds: float = 0.05,
        # Also how long a stopping process may wait for its consumers to notice.
        idle_poll_seconds: float = 1.0,
    ) -> None:
        self.spec = spec
        self.retry = retry or RetryPolicy()
        self.batch_size = batch_size
        self.batch_timeout_seconds = batch_timeout_seconds
        self.idle_poll_seconds = idle_poll_seconds
        self.handlers = Handlers()

    def on(
        self, contract: type[EventT]
    ) -> Callable[[Callable[[AsyncSession, EventT], Awaitable[None]]], Any]:
        def register(handler: Callable[[AsyncSession, EventT], Awaitable[None]]) -> Any:
            self.handlers.single[contract] = handler
            return handler

        return register

    def on_batch(
        self, contract: type[EventT]
    ) -> Callable[[Callable[[AsyncSession, list[EventT]], Awaitable[None]]], Any]:
        """A handler given every event of `contract` in a run of the batch at once, in order, so its
        effect can be one statement instead of one per event. After a failure the batch is applied
        again event by event, and this handler then gets lists of one."""

        def register(handler: Callable[[AsyncSession, list[EventT]], Awaitable[None]]) -> Any:
            self.handlers.batched[contract] = handler
            return handler

        return register

    async def run(
        self, client: Client, session_factory: async_sessionmaker[AsyncSession], stop: asyncio.Event
    ) -> None:
        """Pull and apply batches until `stop`; every process that runs this shares the one durable
        consumer. Idle, it waits in one long poll for the first message; busy, it takes whatever is
        there up to a batch, waiting at most `batch_timeout_seconds` for more."""
        pull = PullBatches(client, self.spec.stream, self.spec.durable)
        idle = True
        failures = 0
        try:
            while not stop.is_set():
                try:
                    if idle:
                        messages = await pull.fetch(1, self.idle_poll_seconds)
                    else:
                        messages = await pull.fetch(self.batch_size, self.batch_timeout_seconds)
                except Exception as error:
                    # Refused, or the connection is down or being re-established (nats-py reconnects
                    # by itself).
                    failures += 1
                    log.warning("%s: fetching failed (%r); trying again", self.spec.durable, error)
                    await sleep_unless_stopped(stop, min(0.1 * 2**failures, 5.0))
                    continue
                failures = 0
                idle = not messages
                if idle:
                    continue
                try:
                    await self.process(messages, client=client, session_factory=session_factory)
                except Exception:
                    # Acks (or naks) could not be sent, the connection went away: what was applied
                    # is in the inbox, and the server delivers the unacknowledged messages again.
                    log.exception("%s: a batch could not be settled; it comes again", self.spec.durable)
        finally:
            await pull.close()

    async def process(
        self, messages: list[Msg], *, client: Client, session_factory: async_sessionmaker[AsyncSession]
    ) -> None:
        events: list[Delivered] = []
        refused: list[tuple[Msg, str]] = []
        for msg in messages:
            try:
                events.append((msg, parse_event(msg.data)))
            except ContractViolation as violation:
                refused.append((msg, f"contract: {violation}"))
        try:
            outcome = await apply_once(
                events, consumer=self.spec.durable, handlers=self.handlers, session_factory=session_factory
            )
        except Exception:
            # The database, not the event, failed: nothing was applied, so everything is tried
            # again later. Such failures never lead to a dead letter on their own.
            log.exception("could not apply a batch of %d events; retrying", len(events))
            for msg, _ in events:
                await msg.nak(delay=self.retry.delay(msg.metadata.num_delivered))
            outcome = Outcome()
        for msg in outcome.acked:
            await msg.ack()
        # A message that is no valid event (yet) is retried like a failing handler: an unknown
        # version may be understood once this consumer is upgraded in a rolling deploy.
        for msg, reason in refused + outcome.failed:
            try:
                await retry_or_dead_letter(
                    msg,
                    reason,
                    consumer=self.spec.durable,
                    retry=self.retry,
                    session_factory=session_factory,
                    jetstream=client.jetstream(),
                )
            except Exception:
                log.exception("could not dead-letter stream sequence %s", msg.metadata.sequence.stream)
                await msg.nak(delay=self.retry.delay(msg.metadata.num_delivered))
