"""Ticket events: a full snapshot of the ticket after the change, written to the outbox."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.contracts.tickets import (
    AutoClosed,
    AutoClosedData,
    CommentAdded,
    CommentAddedData,
    CommentSnapshot,
    FieldChange,
    InboundOrigin,
    TicketAssigned,
    TicketChangeData,
    TicketClosed,
    TicketCreated,
    TicketDeleted,
    TicketSnapshot,
    TicketUpdated,
)
from helpdesk_common.outbox import add_event, add_events
from ticketing.tables.tickets import tickets
from ticketing.tickets.reading import labels_of, ticket_out, ticket_query
from ticketing.tickets.schemas import TicketOut

SOURCE = "ticketing"
Changes = dict[str, tuple[Any, Any]]


def snapshot(ticket: TicketOut) -> TicketSnapshot:
    return TicketSnapshot(
        id=ticket.id,
        number=ticket.number,
        title=ticket.title,
        status=ticket.status,
        priority=ticket.priority,
        source=ticket.source,
        department_id=ticket.department.id if ticket.department else None,
        assignee_id=ticket.assignee.id if ticket.assignee else None,
        assignee_username=ticket.assignee.username if ticket.assignee else None,
        contact_id=ticket.contact.id,
        contact_email=ticket.contact.email,
        contact_name=ticket.contact.name,
        customer_id=ticket.customer.id if ticket.customer else None,
        customer_name=ticket.customer.name if ticket.customer else None,
        sla_id=ticket.sla.sla_id,
        type_id=ticket.type.id if ticket.type else None,
        label_ids=[label.id for label in ticket.labels],
        created_by_id=ticket.created_by_id,
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
    )


def _change_data(ticket: TicketOut, changes: Changes, actor_id: uuid.UUID | None) -> TicketChangeData:
    return TicketChangeData(
        ticket=snapshot(ticket),
        changes={field: FieldChange(old=old, new=new) for field, (old, new) in changes.items()},
        actor_id=actor_id,
    )


def created(
    ticket: TicketOut, actor_id: uuid.UUID | None, inbound: InboundOrigin | None = None
) -> TicketCreated:
    data = _change_data(ticket, {}, actor_id).model_copy(update={"inbound": inbound})
    return TicketCreated.build(source=SOURCE, subject=str(ticket.id), data=data)


async def publish_created(session: AsyncSession, ticket: TicketOut, actor_id: uuid.UUID | None) -> None:
    await add_event(session, created(ticket, actor_id))


def updated(ticket: TicketOut, changes: Changes, actor_id: uuid.UUID | None) -> TicketUpdated:
    data = _change_data(ticket, changes, actor_id)
    return TicketUpdated.build(source=SOURCE, subject=str(ticket.id), data=data)


async def publish_updates(
    session: AsyncSession, updates: list[tuple[TicketOut, Changes]], actor_id: uuid.UUID | None
) -> None:
    """ticket_updated for each of many tickets changed at once, in one outbox insert."""
    await add_events(session, [updated(ticket, changes, actor_id) for ticket, changes in updates])


async def publish_changes(
    session: AsyncSession, ticket: TicketOut, changes: Changes, actor_id: uuid.UUID | None
) -> None:
    """ticket_updated for field edits, ticket_assigned for the assignee, ticket_closed on any route
    to Closed."""
    assignment = {k: v for k, v in changes.items() if k == "assignee_id"}
    edits = {k: v for k, v in changes.items() if k != "assignee_id"}
    subject = str(ticket.id)
    if edits:
        await add_event(session, updated(ticket, edits, actor_id))
    if assignment:
        data = _change_data(ticket, assignment, actor_id)
        await add_event(session, TicketAssigned.build(source=SOURCE, subject=subject, data=data))
    status = changes.get("status")
    if status and status[1] == "closed":
        data = _change_data(ticket, {"status": status}, actor_id)
        await add_event(session, TicketClosed.build(source=SOURCE, subject=subject, data=data))


async def publish_comment(session: AsyncSession, ticket: TicketOut, comment: CommentSnapshot) -> None:
    data = CommentAddedData(ticket=snapshot(ticket), comment=comment)
    await add_event(session, CommentAdded.build(source=SOURCE, subject=str(ticket.id), data=data))


async def publish_auto_closed(
    session: AsyncSession, ticket: TicketOut, inactive_days: int, note: str
) -> None:
    data = AutoClosedData(ticket=snapshot(ticket), inactive_days=inactive_days, note=note)
    await add_event(session, AutoClosed.build(source=SOURCE, subject=str(ticket.id), data=data))


async def publish_deleted(
    session: AsyncSession, ticket_ids: list[uuid.UUID], actor_id: uuid.UUID | None
) -> None:
    """ticket_deleted with each ticket's last state; called in the deleting transaction, before the
    DELETE (the state is read from the rows still there)."""
    if not ticket_ids:
        return
    query = ticket_query().where(tickets.c.id.in_(ticket_ids)).order_by(tickets.c.number)
    rows = (await session.execute(query)).all()
    labels = await labels_of(session, ticket_ids)
    for row in rows:
        data = _change_data(ticket_out(row, labels), {}, actor_id)
        await add_event(session, TicketDeleted.build(source=SOURCE, subject=str(row.id), data=data))
