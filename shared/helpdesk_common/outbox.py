"""Writing events to the outbox, in the caller's transaction; the relay publishes them later."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from opentelemetry import propagate
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from helpdesk_common.contracts.envelope import EventEnvelope
from helpdesk_common.messaging_tables import outbox


def _row(event: EventEnvelope[Any]) -> dict[str, Any]:
    headers: dict[str, str] = {}
    # The trace of the request that caused the event travels with it (W3C traceparent).
    propagate.inject(headers)
    return {
        "event_id": event.id,
        "event_type": event.type,
        "subject": event.bus_subject(),
        "payload": event.to_json(),
        "headers": headers,
    }


async def add_events(session: AsyncSession | AsyncConnection, events: Iterable[EventEnvelope[Any]]) -> None:
    """Never publish inside a request: the event leaves only if this transaction commits."""
    rows = [_row(event) for event in events]
    if rows:
        await session.execute(insert(outbox), rows)


async def add_event(session: AsyncSession | AsyncConnection, event: EventEnvelope[Any]) -> None:
    await add_events(session, [event])
