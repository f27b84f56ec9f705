"""Reading tickets as an operator sees them: visibility by department, and the full detail."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Select, Table, Text, and_, false, func, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.auth import Operator
from helpdesk_common.errors import NotFound
from ticketing.contacts.schemas import LinkedDevice
from ticketing.tables.attachments import attachments
from ticketing.tables.contacts import contact_devices, contacts
from ticketing.tables.customers import customers
from ticketing.tables.departments import departments
from ticketing.tables.labels import labels, ticket_types
from ticketing.tables.projections import devices, operators
from ticketing.tables.tickets import read_markers, ticket_labels, tickets
from ticketing.tickets.schemas import (
    ContactRef,
    LabelRef,
    LastContact,
    OperatorRef,
    Ref,
    Sla,
    TicketOut,
)
from ticketing.tickets.sla import sla_state

# Built once: an alias made per call costs fresh Column objects on every request.
ASSIGNEE = operators.alias("assignee")

# The contact's devices as one JSON text, in the ticket's own row (no second round trip).
_DEVICE_JSON = func.json_build_object(
    "id", devices.c.id, "name", devices.c.name, "attributes", devices.c.attributes
)
CONTACT_DEVICES = (
    select(func.json_agg(aggregate_order_by(_DEVICE_JSON, devices.c.name)).cast(Text))
    .select_from(contact_devices.join(devices, devices.c.id == contact_devices.c.device_id))
    .where(contact_devices.c.contact_id == tickets.c.contact_id)
    .correlate(tickets)
    .scalar_subquery()
    .label("contact_devices")
)


class TicketNotFound(NotFound):
    pass


def visible_to(operator: Operator, table: Table = tickets) -> Any:
    """Without tickets_view_all_departments an operator sees only their own departments' tickets
    (`table`: tickets, or ticket_counts, which counts them by department)."""
    if operator.has("tickets_view_all_departments"):
        return and_(True)
    if not operator.department_ids:
        return false()
    return table.c.department_id.in_(operator.department_ids)


def ticket_query() -> Select[Any]:
    """A whole ticket (ticket_out): the queue's columns and the contact's devices."""
    return detail_query().add_columns(CONTACT_DEVICES)


def detail_query() -> Select[Any]:
    """What the queue's rows show; ticket_query adds what only a whole ticket shows."""
    assignee = ASSIGNEE
    return (
        select(
            tickets,
            departments.c.name.label("department_name"),
            assignee.c.username.label("assignee_username"),
            assignee.c.display_name.label("assignee_display_name"),
            contacts.c.first_name,
            contacts.c.last_name,
            contacts.c.email.label("contact_address"),
            customers.c.company_name,
            ticket_types.c.name.label("type_name"),
        )
        .outerjoin(departments, departments.c.id == tickets.c.department_id)
        .outerjoin(assignee, assignee.c.id == tickets.c.assignee_id)
        .outerjoin(contacts, contacts.c.id == tickets.c.contact_id)
        .outerjoin(customers, customers.c.id == tickets.c.customer_id)
        .outerjoin(ticket_types, ticket_types.c.id == tickets.c.type_id)
    )


async def find_ticket(session: AsyncSession, operator: Operator, number: str, *, lock: bool = False) -> Any:
    """The ticket's row, or 404: a ticket the operator may not see answers exactly like a missing one."""
    query = select(tickets).where(tickets.c.number == number.upper(), visible_to(operator))
    if lock:
        query = query.with_for_update()
    row = (await session.execute(query)).first()
    if row is None:
        raise TicketNotFound(f"Ticket {number} does not exist.")
    return row


async def read_ticket(session: AsyncSession, operator: Operator, number: str) -> TicketOut:
    row = (
        await session.execute(ticket_query().where(tickets.c.number == number.upper(), visible_to(operator)))
    ).first()
    if row is None:
        raise TicketNotFound(f"Ticket {number} does not exist.")
    return ticket_out(row, await labels_of(session, [row.id]))


async def read_ticket_by_id(session: AsyncSession, ticket_id: uuid.UUID) -> TicketOut:
    row = (await session.execute(ticket_query().where(tickets.c.id == ticket_id))).one()
    return ticket_out(row, await labels_of(session, [ticket_id]))


async def labels_of(session: AsyncSession, ticket_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[LabelRef]]:
    if not ticket_ids:
        return {}
    query = (
        select(ticket_labels.c.ticket_id, labels.c.id, labels.c.name, labels.c.color)
        .join(labels, labels.c.id == ticket_labels.c.label_id)
        .where(ticket_labels.c.ticket_id.in_(ticket_ids))
        .order_by(labels.c.name)
    )
    found: dict[uuid.UUID, list[LabelRef]] = {}
    for row in await session.execute(query):
        found.setdefault(row.ticket_id, []).append(LabelRef(id=row.id, name=row.name, color=row.color))
    return found


def contact_name(first_name: str | None, last_name: str | None, arrived_with: str | None) -> str | None:
    """The linked contact's name, else the display name the ticket's e-mail arrived with, else none."""
    return " ".join(part for part in (first_name, last_name) if part) or arrived_with or None


def contact_ref(row: Any) -> ContactRef:
    name = contact_name(row.first_name, row.last_name, row.contact_name)
    return ContactRef(id=row.contact_id, name=name, email=row.contact_address or row.contact_email)


def assignee_ref(row: Any) -> OperatorRef | None:
    if row.assignee_id is None or row.assignee_username is None:
        return None
    return OperatorRef(
        id=row.assignee_id, username=row.assignee_username, display_name=row.assignee_display_name
    )


def last_contact(row: Any) -> LastContact | None:
    if row.last_message_at is None:
        return None
    return LastContact(direction=row.last_message_direction, at=row.last_message_at)


def chip(row: Any, now: datetime) -> Any:
    return sla_state(row, now)


def linked_devices(found: str | None) -> list[LinkedDevice]:
    """The JSON text of CONTACT_DEVICES (or creation's equivalent) as the answer's devices."""
    return [LinkedDevice.model_validate(device) for device in orjson.loads(found or "[]")]


def ticket_out(row: Any, labels_by_ticket: dict[uuid.UUID, list[LabelRef]]) -> TicketOut:
    return TicketOut(
        id=row.id,
        number=row.number,
        title=row.title,
        status=row.status,
        priority=row.priority,
        source=row.source,
        department=Ref(id=row.department_id, name=row.department_name) if row.department_id else None,
        assignee=assignee_ref(row),
        contact=contact_ref(row),
        customer=Ref(id=row.customer_id, name=row.company_name) if row.customer_id else None,
        type=Ref(id=row.type_id, name=row.type_name) if row.type_id else None,
        labels=labels_by_ticket.get(row.id, []),
        devices=linked_devices(row.contact_devices),
        sla=Sla(
            sla_id=row.sla_id,
            response_due_at=row.response_due_at,
            resolution_due_at=row.resolution_due_at,
            response_outcome=row.response_outcome,
            resolution_outcome=row.resolution_outcome,
            paused_since=row.sla_paused_since,
            state=chip(row, datetime.now(UTC)),
        ),
        last_contact=last_contact(row),
        created_by_id=row.created_by_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        closed_at=row.closed_at,
    )


async def stored_files_of(session: AsyncSession, ticket_ids: list[uuid.UUID]) -> list[str]:
    """The object store names of the tickets' attachments, to remove once the tickets are deleted."""
    if not ticket_ids:
        return []
    query = select(attachments.c.object_name).where(attachments.c.ticket_id.in_(ticket_ids))
    return list((await session.execute(query)).scalars())


async def unread_count(session: AsyncSession, operator: Operator) -> int:
    """Open tickets the operator can see with activity since they last opened them (or never did)."""
    marker = select(read_markers.c.read_at).where(
        read_markers.c.ticket_id == tickets.c.id, read_markers.c.operator_id == operator.id
    )
    unread = select(func.count()).where(
        visible_to(operator),
        tickets.c.status != "closed",
        func.coalesce(marker.scalar_subquery() < tickets.c.last_activity_at, True),
    )
    return int((await session.execute(unread)).scalar_one())
