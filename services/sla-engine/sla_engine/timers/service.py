"""Per-ticket timers kept from the ticket events: the newest snapshot, the deadlines of the ticket's
SLA in its clock, pauses while waiting, reopening, the first response and each target's outcome.
Runs inside the consumer's transaction; every change of what a reader sees leaves as
sla_deadlines_set."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.contracts.sla import SlaDeadlines, SlaDeadlinesSet
from helpdesk_common.contracts.tickets import TicketSnapshot
from helpdesk_common.outbox import add_event
from sla_engine.calendars.business_clock import BusinessClock
from sla_engine.calendars.business_time import WALL_CLOCK
from sla_engine.calendars.service import load_calendar
from sla_engine.tables import sla_definitions, ticket_timers
from sla_engine.timers.rules import (
    KINDS,
    STOPPED_STATUSES,
    WAITING,
    Promise,
    next_check_at,
    outcome,
    schedule,
)

SOURCE = "sla-engine"
# New deadlines are a new promise: their alerts may be published again.
ALERTS_UNSENT = {
    "response_warned_at": None,
    "response_breached_at": None,
    "resolution_warned_at": None,
    "resolution_breached_at": None,
}
# What a reader of sla_deadlines_set sees: a change in any of these is published.
PUBLISHED = (
    "sla_id",
    "paused_since",
    *(f"{kind}_{name}" for kind in KINDS for name in ("due_at", "warning_due_at", "critical_at", "outcome")),
)


async def observe_ticket(
    session: AsyncSession, ticket: TicketSnapshot, *, responded_at: datetime | None = None
) -> None:
    """Applies one ticket event. Events of one ticket may arrive out of order (several consumer
    processes): only a snapshot at least as new as the stored one replaces it, and the first response
    is the earliest one seen, whatever the order."""
    timer = await _locked_timer(session, ticket)
    if timer.deleted_at is not None:
        return  # an event that arrived after the ticket's deletion
    current: dict[str, Any] = dict(timer._mapping)
    values: dict[str, Any] = {}
    if responded_at is not None and (timer.responded_at is None or responded_at < timer.responded_at):
        values["responded_at"] = responded_at
    if ticket.updated_at >= timer.ticket_updated_at:
        values.update(ticket=ticket.model_dump(mode="json"), ticket_updated_at=ticket.updated_at)
        if ticket.sla_id != timer.sla_id:
            values.update(await _new_promise(session, ticket))
        else:
            values.update(await _follow_status(session, current, ticket))
    merged = {**current, **values}
    values.update(_outcomes(merged, ticket))
    merged.update(values)
    if not values:
        return
    if any(merged[column] != current[column] for column in PUBLISHED):
        values["revision"] = merged["revision"] = current["revision"] + 1
        await _publish_deadlines(session, ticket, merged)
    values["next_check_at"] = next_check_at(merged, merged["ticket"]["status"])
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


async def load_promise(session: AsyncSession, sla_id: uuid.UUID | None) -> Promise | None:
    """The SLA as it is now; one the engine does not know (deleted) promises nothing."""
    if sla_id is None:
        return None
    query = select(sla_definitions).where(sla_definitions.c.id == sla_id)
    definition = (await session.execute(query)).first()
    if definition is None:
        return None
    calendar = await load_calendar(session, definition.calendar_id) if definition.calendar_id else None
    return Promise(
        response_hours=definition.response_hours,
        resolution_hours=definition.resolution_hours,
        warning_share=definition.warning_share,
        critical_share=definition.critical_share,
        clock=BusinessClock(calendar) if calendar else WALL_CLOCK,
        pause_while_waiting=definition.pause_while_waiting,
        on_reopen=definition.on_reopen,
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


async def _new_promise(session: AsyncSession, ticket: TicketSnapshot) -> dict[str, Any]:
    """An SLA attached, replaced or removed: both windows from the ticket's creation, nothing paused
    and no alert sent; a ticket already waiting under a pausing SLA starts paused."""
    promise = await load_promise(session, ticket.sla_id)
    paused = promise is not None and promise.pause_while_waiting and ticket.status == WAITING
    return {
        "sla_id": ticket.sla_id,
        "started_at": ticket.created_at,
        "paused_seconds": 0.0,
        "paused_since": ticket.updated_at if paused else None,
        "response_outcome": None,
        "resolution_outcome": None,
        **ALERTS_UNSENT,
        **schedule(promise, ticket.created_at, 0.0),
    }


async def _follow_status(
    session: AsyncSession, timer: dict[str, Any], ticket: TicketSnapshot
) -> dict[str, Any]:
    """A status change under the same SLA: waiting pauses (when the SLA says so) and resuming moves
    the deadlines by the working time paused; reopening follows the SLA's rule. The snapshot's
    updated_at is when the change happened, whenever its event arrives."""
    before, after, at = timer["ticket"]["status"], ticket.status.value, ticket.updated_at
    if before == after or timer["sla_id"] is None:
        return {}
    promise = await load_promise(session, timer["sla_id"])
    if promise is None:
        return {}
    values: dict[str, Any] = {}
    paused_seconds = timer["paused_seconds"]
    if timer["paused_since"] is not None and after != WAITING:
        paused_seconds += promise.clock.between(timer["paused_since"], at)
        values.update(paused_since=None, paused_seconds=paused_seconds)
        values.update(schedule(promise, timer["started_at"], paused_seconds))
    if before in STOPPED_STATUSES and after not in STOPPED_STATUSES:
        values.update(_reopened(promise, at))
    if promise.pause_while_waiting and after == WAITING and timer["paused_since"] is None:
        values["paused_since"] = at
    return values


def _reopened(promise: Promise, at: datetime) -> dict[str, Any]:
    """Tickets keep the deadlines set at creation (seed 10.15), so only the resolution's outcome is
    open again; under restart_from_reopen both windows count afresh from the reopening."""
    if promise.on_reopen == "keep_deadlines":
        return {"resolution_outcome": None}
    return {
        "started_at": at,
        "paused_seconds": 0.0,
        "paused_since": None,
        "response_outcome": None,
        "resolution_outcome": None,
        "responded_at": None,
        **ALERTS_UNSENT,
        **schedule(promise, at, 0.0),
    }


def _outcomes(timer: dict[str, Any], ticket: TicketSnapshot) -> dict[str, Any]:
    """The first response decides the response target; the resolution decides the other, at the
    moment its snapshot says it happened."""
    values: dict[str, Any] = {}
    if timer["responded_at"] is not None and timer["response_outcome"] is None:
        decided = outcome(timer["response_due_at"], timer["responded_at"])
        if decided is not None:
            values["response_outcome"] = decided
    stopped = timer["ticket"]["status"] in STOPPED_STATUSES
    if stopped and timer["resolution_outcome"] is None:
        decided = outcome(timer["resolution_due_at"], timer["ticket_updated_at"])
        if decided is not None:
            values["resolution_outcome"] = decided
    return values


async def _publish_deadlines(session: AsyncSession, ticket: TicketSnapshot, timer: dict[str, Any]) -> None:
    data = SlaDeadlines(
        ticket_id=ticket.id,
        ticket_number=ticket.number,
        department_id=ticket.department_id,
        sla_id=timer["sla_id"],
        response_due_at=timer["response_due_at"],
        resolution_due_at=timer["resolution_due_at"],
        response_warning_at=timer["response_warning_due_at"],
        response_critical_at=timer["response_critical_at"],
        resolution_warning_at=timer["resolution_warning_due_at"],
        resolution_critical_at=timer["resolution_critical_at"],
        response_outcome=timer["response_outcome"],
        resolution_outcome=timer["resolution_outcome"],
        paused_since=timer["paused_since"],
        revision=timer["revision"],
    )
    await add_event(session, SlaDeadlinesSet.build(source=SOURCE, subject=str(ticket.id), data=data))
