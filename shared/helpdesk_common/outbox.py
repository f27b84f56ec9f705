"""Writing events to the outbox, in the caller's transaction; the relay publishes them later."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson
from opentelemetry import propagate
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from helpdesk_common.contracts.envelope import EventEnvelope
from helpdesk_common.db import driver_connection


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
    if parameters[0]:
        await (await driver_connection(session)).execute(_INSERT, *parameters)


async def add_event(session: AsyncSession | AsyncConnection, event: EventEnvelope[Any]) -> None:
    await add_events(session, [event])
