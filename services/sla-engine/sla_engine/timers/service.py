"""Per-ticket timers kept from the ticket events: the newest snapshot, the deadlines of the ticket's
SLA (computed from its creation), the first response. Runs inside the consumer's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.contracts.sla import SlaDeadlines, SlaDeadlinesSet
from helpdesk_common.contracts.tickets import TicketSnapshot
from helpdesk_common.outbox import add_event
from sla_engine.tables import sla_definitions, ticket_timers
from sla_engine.timers.rules import deadline, next_check_at

SOURCE = "sla-engine"
# New deadlines are a new promise: their alerts may be published again.
ALERTS_UNSENT = {
    "response_warned_at": None,
    "response_breached_at": None,
    "resolution_warned_at": None,
    "resolution_breached_at": None,
}


async def observe_ticket(
    session: AsyncSession, ticket: TicketSnapshot, *, responded_at: datetime | None = None
) -> None:
    """Applies one ticket event. Events of one ticket may arrive out of order (several consumer
    processes): only a snapshot at least as new as the stored one replaces it, and the first response
    is the earliest one seen, whatever the order."""
    timer = await _locked_timer(session, ticket)
    if timer.deleted_at is not None:
        return  # an event that arrived after the ticket's deletion
    values: dict[str, Any] = {}
    if responded_at is not None and (timer.responded_at is None or responded_at < timer.responded_at):
        values["responded_at"] = responded_at
    if ticket.updated_at >= timer.ticket_updated_at:
        values.update(ticket=ticket.model_dump(mode="json"), ticket_updated_at=ticket.updated_at)
        if ticket.sla_id != timer.sla_id:
            values.update(await _deadlines(session, ticket), **ALERTS_UNSENT)
            await _publish_deadlines(session, ticket, values)
    if not values:
        return
    values["next_check_at"] = next_check_at({**timer._mapping, **values})
    await session.execute(
        update(ticket_timers).where(ticket_timers.c.ticket_id == ticket.id).values(**values)
    )


async def forget_ticket(session: AsyncSession, ticket: TicketSnapshot, deleted_at: datetime) -> None:
    """ticket_deleted: no more alerts for the ticket, and no later event of it brings its timer back."""
    await _locked_timer(session, ticket)
    await session.execute(
        update(ticket_timers)
        .where(ticket_timers.c.ticket_id == ticket.id)
        .values(deleted_at=deleted_at, next_check_at=None)
    )


async def _locked_timer(session: AsyncSession, ticket: TicketSnapshot) -> Any:
    """The ticket's timer row, locked; a ticket seen for the first time gets one without an SLA, so
    its SLA (if any) reads as a change and sets the deadlines."""
    await session.execute(
        insert(ticket_timers)
        .values(
            ticket_id=ticket.id,
            ticket=ticket.model_dump(mode="json"),
            ticket_updated_at=ticket.updated_at,
            started_at=ticket.created_at,
        )
        .on_conflict_do_nothing(index_elements=["ticket_id"])
    )
    query = select(ticket_timers).where(ticket_timers.c.ticket_id == ticket.id).with_for_update()
    return (await session.execute(query)).one()


async def _deadlines(session: AsyncSession, ticket: TicketSnapshot) -> dict[str, Any]:
    """From the SLA as it is now; an SLA the engine does not know (deleted) sets no deadlines."""
    definition = None
    if ticket.sla_id is not None:
        query = select(sla_definitions).where(sla_definitions.c.id == ticket.sla_id)
        definition = (await session.execute(query)).first()
    return {
        "sla_id": ticket.sla_id,
        "response_due_at": deadline(ticket.created_at, definition.response_hours) if definition else None,
        "resolution_due_at": deadline(ticket.created_at, definition.resolution_hours) if definition else None,
    }


async def _publish_deadlines(session: AsyncSession, ticket: TicketSnapshot, values: dict[str, Any]) -> None:
    data = SlaDeadlines(
        ticket_id=ticket.id,
        ticket_number=ticket.number,
        department_id=ticket.department_id,
        sla_id=values["sla_id"],
        response_due_at=values["response_due_at"],
        resolution_due_at=values["resolution_due_at"],
    )
    await add_event(session, SlaDeadlinesSet.build(source=SOURCE, subject=str(ticket.id), data=data))
