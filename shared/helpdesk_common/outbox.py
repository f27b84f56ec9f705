"""Writing events to the outbox, in the caller's transaction; the relay publishes them later."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable
from typing import Any

import orjson
from opentelemetry import propagate
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import Session as OrmSession

from helpdesk_common.contracts.envelope import EventEnvelope
from helpdesk_common.db import driver_connection


class _Signal:
    """Process-local: set after a commit that wrote outbox rows, so a relay in the same process
    publishes them at once instead of at its next poll. One event per event loop."""

    def __init__(self) -> None:
        self._events: dict[asyncio.AbstractEventLoop, asyncio.Event] = {}

    def _event(self) -> asyncio.Event:
        loop = asyncio.get_running_loop()
        found = self._events.get(loop)
        if found is None:
            found = self._events[loop] = asyncio.Event()
        return found

    def set(self) -> None:
        self._event().set()

    def clear(self) -> None:
        self._event().clear()

    async def wait(self) -> None:
        await self._event().wait()


committed = _Signal()
_WROTE = "helpdesk_outbox_written"


@sqlalchemy_event.listens_for(OrmSession, "after_commit")
def _wake_the_relay(session: OrmSession) -> None:
    if session.info.pop(_WROTE, False):
        committed.set()


@sqlalchemy_event.listens_for(OrmSession, "after_rollback")
def _nothing_to_wake_for(session: OrmSession) -> None:
    session.info.pop(_WROTE, None)


def outbox_insert(first_parameter: int) -> str:
    """The INSERT of a batch of events, its five array parameters numbered from `first_parameter`
    (see `outbox_parameters`): on its own, or as the last part of a larger statement whose other
    writes it must not outlive."""
    uuids, types, subjects, payloads, headers = (f"${first_parameter + i}" for i in range(5))
    return (
        "INSERT INTO outbox (event_id, event_type, subject, payload, headers) "
        f"SELECT * FROM unnest({uuids}::uuid[], {types}::text[], {subjects}::text[], "
        f"{payloads}::bytea[], {headers}::jsonb[])"
    )


def outbox_parameters(events: Iterable[EventEnvelope[Any]]) -> list[list[Any]]:
    batch = list(events)
    headers = _headers()
    return [
        [event.id for event in batch],
        [event.type for event in batch],
        [event.bus_subject() for event in batch],
        [event.to_json() for event in batch],
        [headers] * len(batch),
    ]


def _headers() -> str:
    headers: dict[str, str] = {}
    # The trace of the request that caused the event travels with it (W3C traceparent).
    propagate.inject(headers)
    return orjson.dumps(headers).decode()


# Straight to the driver: every write of every service passes here (see driver_connection).
_INSERT = outbox_insert(1)


async def add_events(session: AsyncSession | AsyncConnection, events: Iterable[EventEnvelope[Any]]) -> None:
    """Never publish inside a request: the event leaves only if this transaction commits."""
    parameters = outbox_parameters(events)
    if not parameters[0]:
        return
    await (await driver_connection(session)).execute(_INSERT, *parameters)
    wake_after_commit(session)


def wake_after_commit(session: AsyncSession | AsyncConnection) -> None:
    """The relay in this process is woken when `session` commits, for events written to the outbox
    in its transaction by other means than `add_events` (straight on its driver connection)."""
    if isinstance(session, AsyncSession):
        session.sync_session.info[_WROTE] = True
    else:
        # A bare connection has no after-commit hook here: the wake comes early, the relay finds
        # nothing committed yet, and its next poll publishes the events.
        committed.set()


async def add_event(session: AsyncSession | AsyncConnection, event: EventEnvelope[Any]) -> None:
    await add_events(session, [event])


async def add_publication(
    session: AsyncSession,
    *,
    publication_id: uuid.UUID,
    kind: str,
    subject: str,
    payload: bytes,
    headers: dict[str, str],
) -> None:
    """A message that is no event of ours (a dead letter: the original bytes), published by the relay
    like an event, with `publication_id` as its Nats-Msg-Id."""
    await (await driver_connection(session)).execute(
        _INSERT, [publication_id], [kind], [subject], [payload], [orjson.dumps(headers).decode()]
    )
    session.sync_session.info[_WROTE] = True
