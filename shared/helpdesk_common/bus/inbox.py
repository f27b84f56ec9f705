"""Applying a batch of events exactly once in effect.

The batch is one transaction: each event id goes into `inbox` (ON CONFLICT DO NOTHING RETURNING), so
only events not seen before reach their handler, and a redelivery is recognised and acknowledged
without a second effect. Handlers run optimistically in that transaction (a run of events with a
batch handler in one call); only when one fails is the batch applied again with a savepoint around
each event, so one bad event is retried alone and the rest commit. The caller acknowledges after
the commit.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from nats.aio.msg import Msg
from opentelemetry import propagate, trace
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from helpdesk_common.contracts.envelope import EventEnvelope
from helpdesk_common.db import driver_connection
from helpdesk_common.telemetry import tracing_enabled

log = logging.getLogger(__name__)
tracer = trace.get_tracer(__name__)

Handler = Callable[[AsyncSession, Any], Awaitable[None]]
BatchHandler = Callable[[AsyncSession, list[Any]], Awaitable[None]]
Delivered = tuple[Msg, EventEnvelope[Any]]

# On the driver connection, in the batch's transaction (see helpdesk_common.db.driver_connection).
_RECORD = (
    "INSERT INTO inbox (consumer, event_id) SELECT $1, unnest($2::uuid[]) "
    "ON CONFLICT DO NOTHING RETURNING event_id"
)
_FORGET = "DELETE FROM inbox WHERE consumer = $1 AND event_id = $2"


# The message whose event a single-event handler is applying, for `dead_letters.dead_letter_here`.
_delivering: contextvars.ContextVar[tuple[Msg, str] | None] = contextvars.ContextVar(
    "delivering", default=None
)


def delivering() -> tuple[Msg, str]:
    """The message being applied and its consumer's name, inside a single-event handler."""
    current = _delivering.get()
    if current is None:
        raise RuntimeError("not inside a single-event handler of a consumer")
    return current


@dataclass
class Outcome:
    acked: list[Msg] = field(default_factory=list)
    failed: list[tuple[Msg, str]] = field(default_factory=list)


class _HandlerFailed(Exception):
    """A handler raised in an optimistic batch: the batch is rolled back and applied event by event."""


@dataclass
class Handlers:
    """A consumer's handlers by contract: one event per call, or a run of events per call."""

    single: dict[type[EventEnvelope[Any]], Handler] = field(default_factory=dict)
    batched: dict[type[EventEnvelope[Any]], BatchHandler] = field(default_factory=dict)

    def handles(self, contract: type[EventEnvelope[Any]]) -> bool:
        return contract in self.single or contract in self.batched


async def apply_once(
    events: list[Delivered],
    *,
    consumer: str,
    handlers: Handlers,
    session_factory: async_sessionmaker[AsyncSession],
) -> Outcome:
    if not events:
        return Outcome()
    try:
        return await _apply(events, consumer, handlers, session_factory, isolate=False)
    except _HandlerFailed:
        return await _apply(events, consumer, handlers, session_factory, isolate=True)


async def _apply(
    events: list[Delivered],
    consumer: str,
    handlers: Handlers,
    session_factory: async_sessionmaker[AsyncSession],
    *,
    isolate: bool,
) -> Outcome:
    outcome = Outcome()
    async with session_factory() as session, session.begin():
        driver = await driver_connection(session)
        ids = [event.id for _, event in events]
        unseen = {str(row[0]) for row in await driver.fetch(_RECORD, consumer, ids)}
        due: list[Delivered] = []
        for msg, event in events:
            event_id = str(event.id)
            if event_id not in unseen or not handlers.handles(type(event)):
                outcome.acked.append(msg)
                continue
            unseen.discard(event_id)  # the same id twice in one batch applies once
            due.append((msg, event))
        if not isolate:
            for group in _groups(due, handlers):
                try:
                    await _apply_group(session, group, consumer, handlers)
                except Exception as error:
                    raise _HandlerFailed from error
                outcome.acked.extend(msg for msg, _ in group)
            return outcome
        for msg, event in due:
            try:
                async with session.begin_nested():
                    await _apply_group(session, [(msg, event)], consumer, handlers)
            except Exception as error:
                log.warning("handler failed for %s %s: %r", event.type, event.id, error)
                await driver.execute(_FORGET, consumer, event.id)
                outcome.failed.append((msg, f"handler: {error!r}"))
            else:
                outcome.acked.append(msg)
    return outcome


def _groups(due: list[Delivered], handlers: Handlers) -> list[list[Delivered]]:
    """In order: a run of events of one contract with a batch handler is one group, any other event a
    group of its own."""
    groups: list[list[Delivered]] = []
    for item in due:
        contract = type(item[1])
        if groups and contract in handlers.batched and type(groups[-1][0][1]) is contract:
            groups[-1].append(item)
        else:
            groups.append([item])
    return groups


async def _apply_group(
    session: AsyncSession, group: list[Delivered], consumer: str, handlers: Handlers
) -> None:
    contract = type(group[0][1])
    batch_handler = handlers.batched.get(contract)
    traced = tracing_enabled()
    if batch_handler is None:
        msg, event = group[0]
        token = _delivering.set((msg, consumer))
        try:
            with _span(event, msg, consumer) if traced else contextlib.nullcontext():
                await handlers.single[contract](session, event)
        finally:
            _delivering.reset(token)
        return
    # One span per event, each in its own trace, around the one call that applies them all. A group of
    # one (as when a failed batch is applied event by event) is being delivered as a single event is,
    # so its handler may dead-letter it (bus/dead_letters.py dead_letter_here).
    alone = _delivering.set((group[0][0], consumer)) if len(group) == 1 else None
    try:
        with contextlib.ExitStack() as spans:
            if traced:
                for msg, event in group:
                    spans.enter_context(_span(event, msg, consumer))
            await batch_handler(session, [event for _, event in group])
    finally:
        if alone is not None:
            _delivering.reset(alone)


@contextlib.contextmanager
def _span(event: EventEnvelope[Any], msg: Msg, consumer: str) -> Iterator[None]:
    """The CONSUMER span of the event, a child of the request that produced it (its traceparent header,
    put there by the outbox), current while the handler runs, so what it writes carries the trace on."""
    with tracer.start_as_current_span(
        f"{consumer} apply {event.type}",
        context=propagate.extract(msg.headers or {}),
        kind=trace.SpanKind.CONSUMER,
        attributes={"messaging.system": "nats", "messaging.message.id": str(event.id)},
    ):
        yield
