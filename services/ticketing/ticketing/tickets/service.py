"""The rules for tickets: edit, close, open, delete (creation is in creation.py). Every change leaves
history and events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.auth import Operator
from helpdesk_common.contracts.tickets import TicketPriority
from helpdesk_common.errors import PermissionMissing, ValidationFailed
from ticketing.tables.contacts import contacts
from ticketing.tables.customers import customers
from ticketing.tables.departments import department_members, departments
from ticketing.tables.labels import labels, ticket_types
from ticketing.tables.projections import operators, sla_definitions
from ticketing.tables.tickets import read_markers, ticket_labels, tickets
from ticketing.tickets import events, history, messages
from ticketing.tickets.creation import PRIORITY_RANK
from ticketing.tickets.customer_sla import followed_sla
from ticketing.tickets.reading import (
    TicketNotFound,
    find_ticket,
    read_ticket_by_id,
    stored_files_of,
    visible_to,
)
from ticketing.tickets.schemas import MessageBody, TicketOut, TicketUpdate

# Built once: an alias made per call costs fresh Column objects on every request.
SEARCH_ASSIGNEE = operators.alias("search_assignee")
ASSIGN_FLAG = "tickets_assign"
EDIT_FLAG = "tickets_edit"


def actor_of(operator: Operator | None) -> tuple[uuid.UUID | None, str]:
    return (operator.id, operator.username) if operator else (None, "system")


async def update_ticket(
    session: AsyncSession, *, operator: Operator, number: str, data: TicketUpdate
) -> TicketOut:
    requested = data.model_dump(exclude_unset=True)
    _check_edit_rights(operator, requested)
    row = await find_ticket(session, operator, number, lock=True)
    await _check_references(session, requested)
    await _check_priority_floor(session, row, requested)
    _check_contact_name(row, requested)
    return await apply_changes(session, row=row, operator=operator, requested=requested)


def _check_contact_name(row: Any, requested: dict[str, Any]) -> None:
    """A name is the ticket's own only while no contact is linked: a contact's name lives on it."""
    if requested.get("contact_name") is None:
        return
    linked = requested["contact_id"] if "contact_id" in requested else row.contact_id
    if linked is not None:
        raise ValidationFailed(
            "contact_name", "The ticket has a linked contact; change the name on the contact."
        )


async def _check_priority_floor(session: AsyncSession, row: Any, requested: dict[str, Any]) -> None:
    """Seed 10.15: a ticket under an SLA with a Priority Override cannot drop below it. Creation
    raises the priority quietly; an edit that asks for less is refused, saying why."""
    wanted = requested.get("priority")
    if wanted is None or row.sla_id is None:
        return
    sla = (
        await session.execute(
            select(sla_definitions.c.name, sla_definitions.c.priority_override).where(
                sla_definitions.c.id == row.sla_id
            )
        )
    ).first()
    if sla is None or sla.priority_override is None:
        return
    if PRIORITY_RANK[TicketPriority(wanted)] < PRIORITY_RANK[TicketPriority(sla.priority_override)]:
        raise ValidationFailed(
            "priority", f"The ticket's SLA {sla.name} keeps its priority at {sla.priority_override} or above."
        )


async def apply_changes(
    session: AsyncSession, *, row: Any, operator: Operator | None, requested: dict[str, Any]
) -> TicketOut:
    """Writes the requested fields that differ, then history and events, in the caller's transaction."""
    before = await read_ticket_by_id(session, row.id)
    changes = await _diff(session, row, requested)
    if not changes:
        return before
    now = datetime.now(UTC)
    values: dict[str, Any] = {field: new for field, (_, new) in changes.items() if field != "label_ids"}
    if "contact_id" in values or "contact_email" in values:
        values.update(await _contact_columns(session, requested))
        if "contact_name" in requested and values["contact_id"] is None:
            values["contact_name"] = requested["contact_name"]
    await _follow_customer(session, row, values, changes)
    if "status" in values:
        values["closed_at"] = now if values["status"] == "closed" else None
    values.update(updated_at=now, last_activity_at=now)
    await session.execute(update(tickets).where(tickets.c.id == row.id).values(**values))
    if "label_ids" in changes:
        await _set_labels(session, row.id, list(changes["label_ids"][1]))
    await refresh_search_text(session, row.id)
    after = await read_ticket_by_id(session, row.id)
    await history.record(session, row.id, actor_of(operator), await _readable(session, changes))
    await events.publish_changes(session, after, changes, operator.id if operator else None)
    return after


async def _follow_customer(
    session: AsyncSession, row: Any, values: dict[str, Any], changes: dict[str, tuple[Any, Any]]
) -> None:
    """Issue 18: the customer comes with the contact, and an open ticket's SLA with its customer."""
    if values.get("customer_id", row.customer_id) != row.customer_id:
        changes["customer_id"] = (row.customer_id, values["customer_id"])
    sla = await followed_sla(session, row, values)
    if sla is not None:
        values["sla_id"] = sla[1]
        changes["sla_id"] = sla


async def close_ticket(session: AsyncSession, *, operator: Operator, number: str, comment: str) -> TicketOut:
    row = await find_ticket(session, operator, number, lock=True)
    if comment.strip():
        note = MessageBody(body=comment, body_format="plain_text")
        await messages.add_comment(
            session, ticket_id=row.id, direction="internal", author=actor_of(operator), body=note
        )
    return await apply_changes(session, row=row, operator=operator, requested={"status": "closed"})


async def open_ticket(session: AsyncSession, *, operator: Operator, number: str) -> TicketOut:
    """Seed 10.7: opening records a read marker, and auto-assigns an unassigned ticket to the first
    member of its department who opens it, when the department has Auto-assign on open."""
    row = await find_ticket(session, operator, number, lock=True)
    if (
        row.assignee_id is None
        and row.department_id is not None
        and await _auto_assigns(session, row, operator)
    ):
        opened = await apply_changes(
            session, row=row, operator=operator, requested={"assignee_id": operator.id}
        )
    else:
        opened = await read_ticket_by_id(session, row.id)
    # After the assignment, so the activity it causes counts as read by the one who caused it.
    read_at = datetime.now(UTC)
    await session.execute(
        pg_insert(read_markers)
        .values(operator_id=operator.id, ticket_id=row.id, read_at=read_at)
        .on_conflict_do_update(index_elements=["operator_id", "ticket_id"], set_={"read_at": read_at})
    )
    return opened


async def delete_tickets(
    session: AsyncSession, *, operator: Operator, numbers: list[str]
) -> tuple[list[str], list[str], list[str]]:
    """Hard delete (no recycle bin); unknown or invisible numbers are reported, not deleted.
    Returns the deleted numbers, the missing ones, and the attachment objects to remove once
    the deletion is committed."""
    wanted = [n.upper() for n in numbers]
    doomed = (
        await session.execute(
            select(tickets.c.id, tickets.c.number)
            .where(tickets.c.number.in_(wanted), visible_to(operator))
            .with_for_update()
        )
    ).all()
    doomed_ids = [row.id for row in doomed]
    files = await stored_files_of(session, doomed_ids)
    await events.publish_deleted(session, doomed_ids, operator.id)
    await session.execute(delete(tickets).where(tickets.c.id.in_(doomed_ids)))
    deleted = [row.number for row in doomed]
    return sorted(deleted), sorted(set(wanted) - set(deleted)), files


async def close_tickets(
    session: AsyncSession, *, operator: Operator, numbers: list[str]
) -> tuple[list[str], list[str]]:
    """Close Selected: no closing comment; every ticket gets its history and ticket_closed."""
    closed: list[str] = []
    missing: list[str] = []
    for number in dict.fromkeys(n.upper() for n in numbers):
        try:
            row = await find_ticket(session, operator, number, lock=True)
        except TicketNotFound:
            missing.append(number)
            continue
        await apply_changes(session, row=row, operator=operator, requested={"status": "closed"})
        closed.append(number)
    return closed, missing


async def refresh_search_text(session: AsyncSession, ticket_id: uuid.UUID) -> None:
    """One lower-cased text per ticket for the queue's search (number, title, contact, assignee)."""
    assignee = SEARCH_ASSIGNEE
    text = func.lower(
        func.concat_ws(
            " ",
            tickets.c.number,
            tickets.c.title,
            func.coalesce(contacts.c.email, tickets.c.contact_email),
            contacts.c.first_name,
            contacts.c.last_name,
            tickets.c.contact_name,
            assignee.c.username,
        )
    )
    source = (
        select(text)
        .select_from(tickets)
        .outerjoin(contacts, contacts.c.id == tickets.c.contact_id)
        .outerjoin(assignee, assignee.c.id == tickets.c.assignee_id)
        .where(tickets.c.id == ticket_id)
        .scalar_subquery()
    )
    await session.execute(update(tickets).where(tickets.c.id == ticket_id).values(search_text=source))


async def _auto_assigns(session: AsyncSession, row: Any, operator: Operator) -> bool:
    department = (
        await session.execute(
            select(departments.c.auto_assign_on_open).where(departments.c.id == row.department_id)
        )
    ).scalar_one_or_none()
    if not department:
        return False
    member = await session.execute(
        select(department_members.c.operator_id).where(
            department_members.c.department_id == row.department_id,
            department_members.c.operator_id == operator.id,
        )
    )
    return member.first() is not None


def _check_edit_rights(operator: Operator, requested: dict[str, Any]) -> None:
    """Seed 10.4: the assignee alone needs tickets_assign; every other field tickets_edit."""
    if "assignee_id" in requested and not operator.has(ASSIGN_FLAG):
        raise PermissionMissing(ASSIGN_FLAG)
    if set(requested) - {"assignee_id"} and not operator.has(EDIT_FLAG):
        raise PermissionMissing(EDIT_FLAG)


async def _diff(session: AsyncSession, row: Any, requested: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    changes: dict[str, tuple[Any, Any]] = {}
    for field, new in requested.items():
        if field == "label_ids":
            old_labels = set(
                (
                    await session.execute(
                        select(ticket_labels.c.label_id).where(ticket_labels.c.ticket_id == row.id)
                    )
                ).scalars()
            )
            if old_labels != set(new):
                changes[field] = (sorted(old_labels, key=str), sorted(set(new), key=str))
            continue
        old = getattr(row, field)
        new_value = new.value if hasattr(new, "value") else new
        if old != new_value:
            changes[field] = (old, new_value)
    return changes


async def _readable(session: AsyncSession, changes: dict[str, tuple[Any, Any]]) -> dict[str, tuple[Any, Any]]:
    """History shows names, not ids: the department, the assignee's username, the type, the labels,
    the customer, the SLA."""
    lookups = {
        "department_id": ("department", departments.c.id, departments.c.name),
        "assignee_id": ("assignee", operators.c.id, operators.c.username),
        "type_id": ("type", ticket_types.c.id, ticket_types.c.name),
        "contact_id": ("contact", contacts.c.id, contacts.c.email),
        "customer_id": ("customer", customers.c.id, customers.c.company_name),
        "sla_id": ("sla", sla_definitions.c.id, sla_definitions.c.name),
        "label_ids": ("labels", labels.c.id, labels.c.name),
    }
    readable: dict[str, tuple[Any, Any]] = {}
    for field, (old, new) in changes.items():
        if field not in lookups:
            readable[field] = (old, new)
            continue
        name, key, label = lookups[field]
        readable[name] = (await _names(session, key, label, old), await _names(session, key, label, new))
    return readable


async def _names(session: AsyncSession, key: Any, label: Any, value: Any) -> Any:
    if value is None:
        return None
    ids = list(value) if isinstance(value, list) else [value]
    if not ids:
        return []
    names: dict[Any, Any] = dict((await session.execute(select(key, label).where(key.in_(ids)))).all())
    found = [names.get(i, str(i)) for i in ids]
    return found if isinstance(value, list) else found[0]


async def _check_references(session: AsyncSession, values: dict[str, Any]) -> None:
    checks = {
        "department_id": (departments.c.id, "Department"),
        "assignee_id": (operators.c.id, "Operator"),
        "contact_id": (contacts.c.id, "Contact"),
        "type_id": (ticket_types.c.id, "Type"),
    }
    for field, (column, what) in checks.items():
        value = values.get(field)
        if (
            value is not None
            and (await session.execute(select(column).where(column == value))).first() is None
        ):
            raise ValidationFailed(field, f"{what} {value} does not exist.")
    for label_id in values.get("label_ids") or []:
        if (await session.execute(select(labels.c.id).where(labels.c.id == label_id))).first() is None:
            raise ValidationFailed("label_ids", f"Label {label_id} does not exist.")


async def _contact_for(session: AsyncSession, contact_id: uuid.UUID | None, email: str | None) -> Any:
    if contact_id is not None:
        return (await session.execute(select(contacts).where(contacts.c.id == contact_id))).one()
    if email:
        return (
            await session.execute(select(contacts).where(func.lower(contacts.c.email) == email.lower()))
        ).first()
    return None


async def _contact_columns(session: AsyncSession, requested: dict[str, Any]) -> dict[str, Any]:
    contact = await _contact_for(session, requested.get("contact_id"), requested.get("contact_email"))
    return {
        "contact_id": contact.id if contact else None,
        "contact_email": None if contact else requested.get("contact_email"),
        "customer_id": contact.customer_id if contact else None,
        # The name an e-mail arrived with belonged to the former contact.
        "contact_name": None,
    }


async def _set_labels(session: AsyncSession, ticket_id: uuid.UUID, label_ids: list[uuid.UUID]) -> None:
    await session.execute(delete(ticket_labels).where(ticket_labels.c.ticket_id == ticket_id))
    if label_ids:
        await session.execute(
            insert(ticket_labels), [{"ticket_id": ticket_id, "label_id": label} for label in set(label_ids)]
        )
