"""The consumer of `sla.deadlines.*`: the SLA engine's deadlines written onto the ticket, where the
queue's SLA chip reads them. Idempotent through the inbox."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.bus.consumer import EventConsumer
from helpdesk_common.bus.topology import ConsumerSpec, declare_consumer
from helpdesk_common.contracts.sla import SlaDeadlinesSet
from ticketing.tables.tickets import tickets

sla_deadlines_consumer = EventConsumer(
    declare_consumer(
        ConsumerSpec(
            durable="ticketing-sla-deadlines",
            stream="SLA",
            filter_subject="sla.deadlines.>",
            description="Tickets' SLA deadlines as the SLA engine sets them (the queue's SLA chip).",
        )
    )
)


@sla_deadlines_consumer.on(SlaDeadlinesSet)
async def on_sla_deadlines_set(session: AsyncSession, event: SlaDeadlinesSet) -> None:
    deadlines = event.data
    # A ticket deleted meanwhile matches no row, and an older revision than the one applied changes
    # nothing: nothing to apply, and nothing to retry. Neither updated_at nor history moves: the
    # deadlines are the engine's arithmetic, not an edit.
    await session.execute(
        update(tickets)
        .where(tickets.c.id == deadlines.ticket_id, *_newer_than_applied(deadlines.revision))
        .values(
            sla_id=deadlines.sla_id,
            response_due_at=deadlines.response_due_at,
            resolution_due_at=deadlines.resolution_due_at,
            response_warning_at=deadlines.response_warning_at,
            response_critical_at=deadlines.response_critical_at,
            resolution_warning_at=deadlines.resolution_warning_at,
            resolution_critical_at=deadlines.resolution_critical_at,
            response_outcome=deadlines.response_outcome,
            resolution_outcome=deadlines.resolution_outcome,
            sla_paused_since=deadlines.paused_since,
            sla_revision=deadlines.revision,
        )
    )


def _newer_than_applied(revision: int) -> list[Any]:
    """Revision 0 comes from an engine that did not count revisions yet: it always applies."""
    return [tickets.c.sla_revision < revision] if revision else []
