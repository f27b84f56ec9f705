"""Two throwaway services for the backbone tests: a producer whose outbox the relay publishes, and a
consumer whose effect is deliberately NOT idempotent (a row per application), so an event applied
twice shows up as two rows.

Run as `python -m tests.backbone.probe producer|consumer`, configured by HELPDESK_* variables.
"""

from __future__ import annotations

import sys
from pathlib import Path

import uvloop
from sqlalchemy import Column, DateTime, MetaData, Table, Text, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.bus.consumer import EventConsumer
from helpdesk_common.bus.topology import ConsumerSpec
from helpdesk_common.contracts import TicketCreated
from helpdesk_common.db import driver_connection
from helpdesk_common.service import ServiceDefinition, run_service

MIGRATIONS = Path(__file__).parent / "probe_migrations"

consumer_metadata = MetaData()
applied = Table(
    "applied",
    consumer_metadata,
    Column("event_id", UUID(as_uuid=True), nullable=False),
    Column("ticket_number", Text, nullable=False),
    Column("applied_at", DateTime(timezone=True), server_default=func.now()),
)

CONSUMER_SPEC = ConsumerSpec(
    durable="probe-consumer",
    stream="TICKET_EVENTS",
    filter_subject="ticket.>",
    # Short, so a killed consumer's unacknowledged batch comes back quickly in the tests.
    ack_wait_seconds=3.0,
)
probe_consumer = EventConsumer(CONSUMER_SPEC)


@probe_consumer.on_batch(TicketCreated)
async def on_tickets_created(session: AsyncSession, events: list[TicketCreated]) -> None:
    """One statement for the whole run of events, straight to the driver, as a hot consumer's would."""
    if any(event.data.ticket.title == "poison" for event in events):
        raise RuntimeError("this ticket always fails to apply")
    await (await driver_connection(session)).execute(
        _APPLY, [event.id for event in events], [event.data.ticket.number for event in events]
    )


_APPLY = "INSERT INTO applied (event_id, ticket_number) SELECT * FROM unnest($1::uuid[], $2::text[])"


producer = ServiceDefinition(
    name="probe-producer",
    schema="probe_producer",
    title="Probe producer",
    migrations_dir=MIGRATIONS / "producer",
)
consumer = ServiceDefinition(
    name="probe-consumer",
    schema="probe_consumer",
    title="Probe consumer",
    migrations_dir=MIGRATIONS / "consumer",
    tables=consumer_metadata,
    consumers=[probe_consumer],
    publishes_events=False,
)

if __name__ == "__main__":
    which = sys.argv[1]
    definition = {"producer": producer, "consumer": consumer}[which]
    roles = {"relay"} if which == "producer" else {"consumers"}
    uvloop.run(run_service(definition, roles))
