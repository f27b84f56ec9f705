"""A ticket's SLA follows its customer's (issue 18): an open ticket carries the SLA of the customer it
belongs to, taken when its contact moves it to another customer, when it is reopened, and when the
customer's SLA changes. A resolved or closed ticket keeps the SLA it was measured against until it is
reopened. Each change writes `sla_id` and a newer `updated_at`, so the `ticket_updated` it publishes
makes the SLA engine recompute the deadlines."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.auth import Operator
from ticketing.tables.customers import customers
from ticketing.tables.projections import sla_definitions
from ticketing.tables.tickets import ticket_history, tickets
from ticketing.tickets import events
from ticketing.tickets.reading import labels_of, ticket_out, ticket_query

SETTLED = ("resolved", "closed")
# Snapshots are read and published this many tickets at a time: a statement's parameters stay far
# below the driver's 32,767, however many open tickets the customer has.
BATCH = 500
LATER = timedelta(microseconds=1)


async def customer_sla(session: AsyncSession, customer_id: uuid.UUID | None) -> uuid.UUID | None:
    """FOR SHARE: waits out a change of the customer's SLA in flight, which could not see this ticket
    yet, and reads what it committed."""
    if customer_id is None:
        return None
    query = select(customers.c.sla_id).where(customers.c.id == customer_id).with_for_update(read=True)
    return (await session.execute(query)).scalar_one_or_none()


async def followed_sla(
    session: AsyncSession, row: Any, values: dict[str, Any]
) -> tuple[uuid.UUID | None, uuid.UUID | None] | None:
    """The (old, new) SLA of a ticket being edited from `row` to `values`, or None if it keeps its own:
    it follows only when it stays or becomes open and its customer changes or it is reopened."""
    customer_id = values.get("customer_id", row.customer_id)
    status = values.get("status", row.status)
    if status in SETTLED or (customer_id == row.customer_id and row.status not in SETTLED):
        return None
    sla_id = await customer_sla(session, customer_id)
    return None if sla_id == row.sla_id else (row.sla_id, sla_id)


async def follow_customer(
    session: AsyncSession, *, customer_id: uuid.UUID, sla_id: uuid.UUID | None, actor: Operator
) -> int:
    """Gives the customer's open tickets its new SLA, each with history and `ticket_updated`, in the
    caller's transaction (the customer's change): one set update, then batches. Returns how many."""
    now = datetime.now(UTC)
    # Locked in number order, as a bulk close of numbers usually asks, so the two seldom deadlock.
    targets = (
        select(tickets.c.id, tickets.c.sla_id)
        .where(
            tickets.c.customer_id == customer_id,
            tickets.c.status.not_in(SETTLED),
            tickets.c.sla_id.is_distinct_from(sla_id),
        )
        .order_by(tickets.c.number)
        .with_for_update()
        .subquery("targets")
    )
    moved = (
        await session.execute(
            update(tickets)
            .where(tickets.c.id == targets.c.id)
            # Past a write that held the row while this one waited, whatever its clock said.
            .values(sla_id=sla_id, updated_at=func.greatest(now, tickets.c.updated_at + LATER))
            .returning(tickets.c.id, targets.c.sla_id)
        )
    ).all()
    old_slas = {row.id: row.sla_id for row in moved}
    await _record_history(session, old_slas, sla_id, actor)
    ticket_ids = list(old_slas)
    for start in range(0, len(ticket_ids), BATCH):
        batch = ticket_ids[start : start + BATCH]
        rows = (await session.execute(ticket_query().where(tickets.c.id.in_(batch)))).all()
        labels = await labels_of(session, batch)
        updates = [(ticket_out(row, labels), {"sla_id": (old_slas[row.id], sla_id)}) for row in rows]
        await events.publish_updates(session, updates, actor.id)
    return len(moved)


async def _record_history(
    session: AsyncSession,
    old_slas: dict[uuid.UUID, uuid.UUID | None],
    sla_id: uuid.UUID | None,
    actor: Operator,
) -> None:
    if not old_slas:
        return
    names = await _sla_names(session, {*old_slas.values(), sla_id})
    entries = [
        {
            "ticket_id": ticket_id,
            "actor_id": actor.id,
            "actor_name": actor.username,
            "field": "sla",
            "old_value": names.get(old),
            "new_value": names.get(sla_id),
        }
        for ticket_id, old in old_slas.items()
    ]
    await session.execute(insert(ticket_history), entries)


async def _sla_names(session: AsyncSession, sla_ids: set[uuid.UUID | None]) -> dict[uuid.UUID | None, str]:
    """By name, as history shows them; an SLA since removed from the library by its id."""
    known = {sla_id for sla_id in sla_ids if sla_id is not None}
    query = select(sla_definitions.c.id, sla_definitions.c.name).where(sla_definitions.c.id.in_(known))
    found = {row.id: row.name for row in await session.execute(query)}
    return {sla_id: found.get(sla_id, str(sla_id)) for sla_id in known}
