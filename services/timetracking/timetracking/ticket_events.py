"""The consumer that keeps `tickets` from the ticket stream, through the inbox: each ticket's number,
title, department and customer, the newest by the event's time (events of one ticket may arrive out of
order). A deleted ticket takes its entries and timers along in the same transaction, each booked entry
announced as deleted, and stays as a tombstone, so a late event of it changes nothing. The tickets from
before the consumer existed come from ticketing's ticket states (ticket_bootstrap.py), each snapshot
under the same rule, timed by its `updated_at`: one older than an event already applied changes
nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import literal
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.bus.consumer import EventConsumer
from helpdesk_common.bus.topology import ConsumerSpec, declare_consumer
from helpdesk_common.contracts.ticket_states import TicketState
from helpdesk_common.contracts.tickets import TICKET_EVENTS, TicketDeleted, TicketSnapshot
from timetracking.entries.store import remove_work_item
from timetracking.tables import tickets
from timetracking.work_items import TICKET

tickets_consumer = EventConsumer(
    declare_consumer(
        ConsumerSpec(
            durable="timetracking-tickets",
            stream="TICKET_EVENTS",
            filter_subject="ticket.>",
            description="Tickets' numbers, titles, departments and customers; a deleted one takes its time.",
            # The tickets before it came into being come from ticketing's states (ticket_bootstrap.py).
            deliver_new=True,
        )
    )
)


async def apply_ticket_event(session: AsyncSession, event: Any) -> None:
    ticket = event.data.ticket
    deleted = isinstance(event, TicketDeleted)
    await _keep(session, ticket, changed_at=event.time, deleted=deleted)
    if deleted:
        await remove_work_item(
            session,
            kind=TICKET,
            work_item_id=ticket.id,
            number=ticket.number,
            department_id=ticket.department_id,
        )


async def apply_ticket_state(session: AsyncSession, state: TicketState) -> None:
    await _keep(session, state.ticket, changed_at=state.ticket.updated_at, deleted=False)


async def _keep(
    session: AsyncSession, ticket: TicketSnapshot, *, changed_at: datetime, deleted: bool
) -> None:
    values = {
        "number": ticket.number,
        "title": ticket.title,
        "department_id": ticket.department_id,
        "customer_id": ticket.customer_id,
        "customer_name": ticket.customer_name,
        "changed_at": changed_at,
    }
    new = insert(tickets).values(id=ticket.id, deleted=deleted, **values)
    row = tickets.c
    newer = (row.changed_at <= new.excluded.changed_at) & row.deleted.is_(False)
    if deleted:
        # Its last state, and deleted for good, whatever the events seen before it.
        upsert = new.on_conflict_do_update(
            index_elements=["id"], set_={"deleted": literal(True)}, where=row.deleted.is_(False)
        )
    else:
        upsert = new.on_conflict_do_update(index_elements=["id"], set_=values, where=newer)
    await session.execute(upsert)


for _contract in TICKET_EVENTS:
    tickets_consumer.on(_contract)(apply_ticket_event)
