"""The consumer runtime: typed handlers behind a durable pull consumer, exactly once in effect.

A batch of messages is applied in one transaction. Each event id is recorded in the inbox in that
same transaction, so a redelivered event is recognised and acknowledged without a second effect.
Messages are acknowledged only after the commit. A handler that fails is retried with a growing
delay; after `max_deliver` tries (and at once for a message that is no valid event) the message is
stored in `dead_letters`, published on `deadletter.<consumer>`, and acknowledged, so the consumer
goes on with the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import orjson
from faststream.nats import NatsBroker
from nats.aio.msg import Msg
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from helpdesk_common.bus.broker import jetstream, nats_client
from helpdesk_common.bus.pull import PullBatches
from helpdesk_common.bus.topology import ConsumerSpec, dead_letter_subject
from helpdesk_common.contracts.envelope import ContractViolation, EventEnvelope
from helpdesk_common.contracts.registry import parse_event
from helpdesk_common.db import driver_connection
from helpdesk_common.messaging_tables import dead_letters
from helpdesk_common.periodic import sleep_unless_stopped
from helpdesk_common.telemetry import spans_recorded

log = logging.getLogger(__name__)
tracer = trace.get_tracer(__name__)

EventT = TypeVar("EventT", bound=EventEnvelope[Any])
Handler = Callable[[AsyncSession, Any], Awaitable[None]]
BatchHandler = Callable[[AsyncSession, list[Any]], Awaitable[None]]

# On the driver connection, in the batch's transaction (see helpdesk_common.db.driver_connection).
_RECORD_INBOX = (
    "INSERT INTO inbox (consumer, event_id) SELECT $1, unnest($2::uuid[]) "
    "ON CONFLICT DO NOTHING RETURNING event_id"
)
_FORGET_INBOX = "DELETE FROM inbox WHERE consumer = $1 AND event_id = $2"


@dataclass(frozen=True)
class RetryPolicy:
    max_deliver: int = 5
    backoff_base_seconds: float = 1.0
    backoff_max_seconds: float = 300.0

    def delay(self, delivery: int) -> float:
        return min(self.backoff_base_seconds * 2 ** max(delivery - 1, 0), self.backoff_max_seconds)


class _HandlerFailed(Exception):
    """A handler raised in an optimistic batch: the batch is rolled back and applied event by event."""


@dataclass
class _Outcome:
    acked: list[Msg]
    failed: list[tuple[Msg, str]]


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
        self.handlers: dict[type[EventEnvelope[Any]], Handler] = {}
        self.batch_handlers: dict[type[EventEnvelope[Any]], BatchHandler] = {}

    def on(
        self, contract: type[EventT]
    ) -> Callable[[Callable[[AsyncSession, EventT], Awaitable[None]]], Any]:
        def register(handler: Callable[[AsyncSession, EventT], Awaitable[None]]) -> Any:
            self.handlers[contract] = handler
            return handler

        return register

    def on_batch(
        self, contract: type[EventT]
    ) -> Callable[[Callable[[AsyncSession, list[EventT]], Awaitable[None]]], Any]:
        """A handler given every event of `contract` in a run of the batch at once, in order, so its
        effect can be one statement instead of one per event. After a failure the batch is applied
        again event by event, and this handler then gets lists of one."""

        def register(handler: Callable[[AsyncSession, list[EventT]], Awaitable[None]]) -> Any:
            self.batch_handlers[contract] = handler
            return handler

        return register

    async def run(
        self,
        broker: NatsBroker,
        session_factory: async_sessionmaker[AsyncSession],
        stop: asyncio.Event,
    ) -> None:
        """Pull and apply batches until `stop`; every process that runs this shares the one durable
        consumer. Idle, it waits in one long poll for the first message; busy, it takes whatever is
        there up to a batch, waiting at most `batch_timeout_seconds` for more.

        The pull loop is ours rather than FastStream's batch subscriber: nats-py raises a plain
        asyncio TimeoutError from a fetch whose time ran out mid-batch, which FastStream's loop does
        not catch (it expects nats' subclass), so the messages already fetched were dropped and came
        back only after the ack wait (30 s). Fetching is ours too (see bus/pull.py)."""
        pull = PullBatches(nats_client(broker), self.spec.stream, self.spec.durable)
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
                    await self.process(messages, session_factory=session_factory, broker=broker)
                except Exception:
                    # Acks (or naks) could not be sent, the connection went away: what was applied
                    # is in the inbox, and the server delivers the unacknowledged messages again.
                    log.exception("%s: a batch could not be settled; it comes again", self.spec.durable)
        finally:
            await pull.close()

    async def process(
        self,
        messages: list[Msg],
        *,
        session_factory: async_sessionmaker[AsyncSession],
        broker: NatsBroker,
    ) -> None:
        events: list[tuple[Msg, EventEnvelope[Any]]] = []
        refused: list[tuple[Msg, str]] = []
        for msg in messages:
            try:
                events.append((msg, parse_event(msg.data)))
            except ContractViolation as violation:
                refused.append((msg, f"contract: {violation}"))

        try:
            outcome = await self._apply(events, session_factory) if events else _Outcome([], [])
        except Exception:
            # The database, not the event, failed: nothing was applied, so everything is tried
            # again later. Such failures never lead to a dead letter on their own.
            log.exception("could not apply a batch of %d events; retrying", len(events))
            for msg, _ in events:
                await msg.nak(delay=self.retry.delay(msg.metadata.num_delivered))
            outcome = _Outcome([], [])
        for msg in outcome.acked:
            await msg.ack()
        # A message that is no valid event (yet) is retried like a failing handler: an unknown
        # version may be understood once this consumer is upgraded in a rolling deploy.
        for msg, reason in refused + outcome.failed:
            try:
                await self._retry_or_dead_letter(msg, reason, session_factory=session_factory, broker=broker)
            except Exception:
                log.exception("could not dead-letter stream sequence %s", msg.metadata.sequence.stream)
                await msg.nak(delay=self.retry.delay(msg.metadata.num_delivered))

    async def _apply(
        self,
        events: list[tuple[Msg, EventEnvelope[Any]]],
        session_factory: async_sessionmaker[AsyncSession],
    ) -> _Outcome:
        """The whole batch in one transaction; only when a handler fails is the batch applied again
        with a savepoint around each event, so one bad event is retried alone and the rest commit."""
        try:
            outcome = await self._apply_batch(events, session_factory, isolate=False)
        except _HandlerFailed:
            outcome = await self._apply_batch(events, session_factory, isolate=True)
        return outcome

    async def _apply_batch(
        self,
        events: list[tuple[Msg, EventEnvelope[Any]]],
        session_factory: async_sessionmaker[AsyncSession],
        *,
        isolate: bool,
    ) -> _Outcome:
        outcome = _Outcome([], [])
        async with session_factory() as session, session.begin():
            driver = await driver_connection(session)
            ids = [event.id for _, event in events]
            unseen = {str(row[0]) for row in await driver.fetch(_RECORD_INBOX, self.spec.durable, ids)}
            due: list[tuple[Msg, EventEnvelope[Any]]] = []
            for msg, event in events:
                event_id = str(event.id)
                if event_id not in unseen or not self._handles(type(event)):
                    outcome.acked.append(msg)
                    continue
                unseen.discard(event_id)  # the same id twice in one batch applies once
                due.append((msg, event))
            if not isolate:
                for group in self._groups(due):
                    try:
                        await self._apply_group(session, group)
                    except Exception as error:
                        raise _HandlerFailed from error
                    outcome.acked.extend(msg for msg, _ in group)
                return outcome
            for msg, event in due:
                try:
                    async with session.begin_nested():
                        await self._apply_group(session, [(msg, event)])
                except Exception as error:
                    log.warning("handler failed for %s %s: %r", event.type, event.id, error)
                    await driver.execute(_FORGET_INBOX, self.spec.durable, event.id)
                    outcome.failed.append((msg, f"handler: {error!r}"))
                else:
                    outcome.acked.append(msg)
        return outcome

    def _handles(self, contract: type[EventEnvelope[Any]]) -> bool:
        return contract in self.handlers or contract in self.batch_handlers

    def _groups(
        self, due: list[tuple[Msg, EventEnvelope[Any]]]
    ) -> list[list[tuple[Msg, EventEnvelope[Any]]]]:
        """In order: a run of events of one contract with a batch handler is one group, any other
        event a group of its own."""
        groups: list[list[tuple[Msg, EventEnvelope[Any]]]] = []
        for item in due:
            contract = type(item[1])
            if groups and contract in self.batch_handlers and type(groups[-1][0][1]) is contract:
                groups[-1].append(item)
            else:
                groups.append([item])
        return groups

    async def _apply_group(self, session: AsyncSession, group: list[tuple[Msg, EventEnvelope[Any]]]) -> None:
        contract = type(group[0][1])
        batch_handler = self.batch_handlers.get(contract)
        recorded = spans_recorded()
        if batch_handler is None:
            msg, event = group[0]
            with _span_for(event, msg, self.spec.durable, recorded=recorded):
                await self.handlers[contract](session, event)
            return
        # One span per event, each in its own trace, around the one call that applies them all.
        with contextlib.ExitStack() as spans:
            for msg, event in group:
                spans.enter_context(_span_for(event, msg, self.spec.durable, recorded=recorded))
            await batch_handler(session, [event for _, event in group])

    async def _retry_or_dead_letter(
        self,
        msg: Msg,
        reason: str,
        *,
        session_factory: async_sessionmaker[AsyncSession],
        broker: NatsBroker,
    ) -> None:
        delivery = msg.metadata.num_delivered
        if delivery < self.retry.max_deliver:
            await msg.nak(delay=self.retry.delay(delivery))
        else:
            await self._dead_letter(msg, reason, session_factory=session_factory, broker=broker)

    async def _dead_letter(
        self,
        msg: Msg,
        reason: str,
        *,
        session_factory: async_sessionmaker[AsyncSession],
        broker: NatsBroker,
    ) -> None:
        metadata = msg.metadata
        sequence = metadata.sequence.stream
        event_id, event_type = _identity(msg.data)
        headers = dict(msg.headers or {})
        async with session_factory() as session, session.begin():
            await session.execute(
                pg_insert(dead_letters)
                .values(
                    consumer=self.spec.durable,
                    stream=metadata.stream,
                    stream_sequence=sequence,
                    subject=msg.subject,
                    event_id=event_id,
                    event_type=event_type,
                    reason=reason[:4000],
                    deliveries=metadata.num_delivered,
                    payload=msg.data,
                    headers=headers,
                )
                .on_conflict_do_nothing()
            )
        headers.update(
            {
                "Nats-Msg-Id": f"{self.spec.durable}:{metadata.stream}:{sequence}",
                "Helpdesk-Dead-Letter-Reason": reason[:1000],
                "Helpdesk-Original-Subject": msg.subject,
            }
        )
        await jetstream(broker).publish(dead_letter_subject(self.spec.durable), msg.data, headers=headers)
        log.error("dead-lettered %s seq=%s from %s: %s", event_type, sequence, msg.subject, reason)
        await msg.ack()


def _identity(payload: bytes) -> tuple[str | None, str | None]:
    try:
        document = orjson.loads(payload)
    except Exception:
        return None, None
    if not isinstance(document, dict):
        return None, None
    event_id, event_type = document.get("id"), document.get("type")
    return (
        str(event_id)[:100] if event_id is not None else None,
        str(event_type)[:100] if event_type is not None else None,
    )


class _Carried:
    """The event's trace context made current, with no span: what the no-op tracer would do (it hands
    back the caller's own span), at a fraction of its cost per event."""

    __slots__ = ("_context", "_token")

    def __init__(self, context: otel_context.Context) -> None:
        self._context = context

    def __enter__(self) -> None:
        self._token = otel_context.attach(self._context)

    def __exit__(self, *_: object) -> None:
        otel_context.detach(self._token)


def _span_for(event: EventEnvelope[Any], msg: Msg, consumer: str, *, recorded: bool) -> Any:
    parent = propagate.extract(msg.headers or {})
    if not recorded:
        return _Carried(parent)
    return tracer.start_as_current_span(
        f"{consumer} apply {event.type}",
        context=parent,
        kind=trace.SpanKind.CONSUMER,
        attributes={"messaging.system": "nats", "messaging.message.id": str(event.id)},
    )
