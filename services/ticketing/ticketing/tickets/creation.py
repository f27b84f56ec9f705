"""Creating a ticket (seed 10.6), the one way every ticket is made (the API's and e-mail's), and the
rules that decide it: the fallback department, the number's prefix, the SLA's priority floor. The
hottest write of the product, in two statements:

1. one read gathers everything the rules need (fallback department, contact and customer, prefix,
   SLA, assignee, type, labels), everything the answer shows, and the next number of the prefix;
2. one write stores the ticket, its labels, the first message, the history and `ticket_created` in
   the outbox. A single statement is atomic by itself, so it runs without BEGIN and COMMIT.

Both go straight to the driver: through SQLAlchemy and a session, a statement costs several times
the CPU (`make bench-tickets`), and a create used to take eleven. The answer is built from what was
read and written, not read back. Something deleted between the read and the write (a department, a
label) fails the write on its foreign key, which answers 422 as if the read had not found it. A
number drawn for a create that then fails is skipped, never reused.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import asyncpg
import orjson
from sqlalchemy.ext.asyncio import AsyncEngine

from helpdesk_common.auth import Operator
from helpdesk_common.bodies import Body, render_body
from helpdesk_common.contracts.tickets import TicketPriority, TicketSource, TicketStatus
from helpdesk_common.db import Positions, autocommit_connection
from helpdesk_common.errors import PermissionMissing, ValidationFailed
from helpdesk_common.idempotency import Answer, fingerprint, once
from helpdesk_common.outbox import committed, outbox_insert, outbox_parameters
from ticketing.tickets import events
from ticketing.tickets.numbering import formatted, next_number, next_value_sql
from ticketing.tickets.reading import contact_name, linked_devices
from ticketing.tickets.schemas import (
    ContactRef,
    LabelRef,
    LastContact,
    OperatorRef,
    Ref,
    Sla,
    TicketCreate,
    TicketOut,
)

ASSIGN_FLAG = "tickets_assign"
PRIORITY_RANK = {priority: rank for rank, priority in enumerate(TicketPriority)}

# The contact is found by id or else by e-mail in two index lookups: one OR would defeat the
# indexes once the plan is generic. The department asked for, else the creator's default one.
_READ = Positions(
    "department_id", "creator_id", "assignee_id", "type_id", "contact_id", "contact_email", "label_ids"
)
_CONTEXT = f"""
SELECT
    coalesce(cu.ticket_number_prefix, settings.ticket_number_prefix) AS prefix,
    {next_value_sql("coalesce(cu.ticket_number_prefix, settings.ticket_number_prefix)")} AS number_value,
    d.id AS department_id, d.name AS department_name,
    a.id AS assignee_id, a.username AS assignee_username, a.display_name AS assignee_display_name,
    ty.id AS type_id, ty.name AS type_name,
    c.id AS contact_id, c.email AS contact_address, c.first_name, c.last_name,
    cu.id AS customer_id, cu.company_name,
    sla.id AS sla_id, sla.priority_override,
    (SELECT json_agg(json_build_object('id', l.id, 'name', l.name, 'color', l.color) ORDER BY l.name)
     FROM labels l WHERE l.id = ANY({_READ.label_ids}::uuid[]))::text AS labels,
    (SELECT json_agg(json_build_object('id', dv.id, 'name', dv.name, 'attributes', dv.attributes)
                     ORDER BY dv.name)
     FROM contact_devices cd JOIN devices dv ON dv.id = cd.device_id
     WHERE cd.contact_id = c.id)::text AS devices
FROM (SELECT coalesce({_READ.department_id}::uuid,
                      (SELECT default_department_id FROM operators WHERE id = {_READ.creator_id})) AS id
     ) AS wanted
CROSS JOIN module_settings AS settings
LEFT JOIN departments d ON d.id = wanted.id
LEFT JOIN operators a ON a.id = {_READ.assignee_id}
LEFT JOIN ticket_types ty ON ty.id = {_READ.type_id}
LEFT JOIN LATERAL (
    (SELECT * FROM contacts WHERE id = {_READ.contact_id})
    UNION ALL
    (SELECT * FROM contacts
     WHERE {_READ.contact_id}::uuid IS NULL AND lower(email) = lower({_READ.contact_email}::text))
    LIMIT 1
) AS c ON true
LEFT JOIN customers cu ON cu.id = c.customer_id
LEFT JOIN sla_definitions sla ON sla.id = cu.sla_id
"""

# The first message is a comment: the creator's description (outbound) or the customer's mail
# (inbound), and so the Last Contact. A description is not a response to the customer (nobody was
# sent anything), so the response SLA keeps running, as the SLA engine counts it.
_WRITTEN = Positions(
    "ticket_id", "number", "title", "priority", "source", "department_id", "assignee_id", "contact_id",
    "contact_email", "contact_name", "customer_id", "sla_id", "type_id", "creator_id", "now",
    "search_text", "label_ids",
    "message_id", "message_direction", "message_author_id", "message_author", "message_html",
    "message_text", "message_mail_id", "actor_name", "history_fields", "history_values",
)  # fmt: skip
_W = _WRITTEN
_WRITE = f"""
WITH ticket AS (
    INSERT INTO tickets (
        id, number, title, priority, source, department_id, assignee_id, contact_id, contact_email,
        contact_name, customer_id, sla_id, type_id, created_by_id, created_at, updated_at, last_activity_at,
        last_message_direction, last_message_at, search_text)
    VALUES ({_W.ticket_id}, {_W.number}, {_W.title}, {_W.priority}, {_W.source}, {_W.department_id},
            {_W.assignee_id}, {_W.contact_id}, {_W.contact_email}, {_W.contact_name}, {_W.customer_id},
            {_W.sla_id},
            {_W.type_id}, {_W.creator_id}, {_W.now}::timestamptz, {_W.now}, {_W.now},
            {_W.message_direction}::text,
            CASE WHEN {_W.message_id}::uuid IS NULL THEN NULL ELSE {_W.now}::timestamptz END,
            lower({_W.search_text}::text))
), labelled AS (
    INSERT INTO ticket_labels (ticket_id, label_id) SELECT {_W.ticket_id}, unnest({_W.label_ids}::uuid[])
), described AS (
    INSERT INTO comments (id, ticket_id, direction, author_id, author_name, body_html, body_text,
                          message_id, created_at)
    SELECT {_W.message_id}, {_W.ticket_id}, {_W.message_direction}, {_W.message_author_id},
           {_W.message_author}::text, {_W.message_html}::text, {_W.message_text}::text,
           {_W.message_mail_id}::text, {_W.now}::timestamptz
    WHERE {_W.message_id}::uuid IS NOT NULL
), history AS (
    INSERT INTO ticket_history (ticket_id, actor_id, actor_name, field, old_value, new_value)
    SELECT {_W.ticket_id}, {_W.creator_id}, {_W.actor_name}, entry.field, NULL, entry.new_value
    FROM unnest({_W.history_fields}::text[], {_W.history_values}::text[])
         WITH ORDINALITY AS entry(field, new_value, position)
    ORDER BY entry.position
)
""" + outbox_insert(_WRITTEN.following)

# A reference removed between the read and the write, by the foreign key that caught it.
_VANISHED = {
    "tickets_department_id_fkey": "department_id",
    "tickets_assignee_id_fkey": "assignee_id",
    "tickets_contact_id_fkey": "contact_id",
    "tickets_customer_id_fkey": "contact_id",
    "tickets_type_id_fkey": "type_id",
    "ticket_labels_label_id_fkey": "label_ids",
}


async def create_from_api(
    engine: AsyncEngine, *, actor: Operator, data: TicketCreate, idempotency_key: str | None
) -> Answer:
    """A create from the API: on a driver connection of its own, once per idempotency key."""
    async with autocommit_connection(engine) as connection:

        async def work() -> Answer:
            ticket = await create_ticket(connection, data=data, actor=actor)
            return Answer(201, ticket.model_dump_json().encode())

        return await once(
            connection,
            key=idempotency_key,
            operator_id=actor.id,
            request=lambda: fingerprint("create ticket", data.model_dump_json()),
            work=work,
        )


@dataclass(frozen=True)
class FirstMessage:
    """The message a ticket opens with: the creator's description, or the customer's mail."""

    direction: Literal["outbound", "inbound"]
    author: tuple[uuid.UUID | None, str]
    body: Body
    mail_message_id: str | None = None
    comment_id: uuid.UUID = field(default_factory=uuid.uuid4)


async def create_ticket(
    connection: asyncpg.Connection[Any],
    *,
    data: TicketCreate,
    actor: Operator | None,
    source: TicketSource = TicketSource.MANUAL,
    message: FirstMessage | None = None,
    arrived_as: str | None = None,
) -> TicketOut:
    """Every new ticket, from the API (`actor` the operator) or from mail (no actor; `message` the
    customer's, `arrived_as` the sender's display name). On a connection with no transaction open the
    write commits as it completes; in a transaction, with it."""
    if data.assignee_id is not None and not (actor and actor.has(ASSIGN_FLAG)):
        raise PermissionMissing(ASSIGN_FLAG)
    label_ids = list(dict.fromkeys(data.label_ids))
    context = await connection.fetchrow(
        _CONTEXT,
        *_READ.values(
            department_id=data.department_id,
            creator_id=actor.id if actor else None,
            assignee_id=data.assignee_id,
            type_id=data.type_id,
            contact_id=data.contact_id,
            contact_email=data.contact_email,
            label_ids=label_ids,
        ),
    )
    assert context is not None  # module_settings has its one row
    labels = _check_references(context, data, label_ids, source)
    prefix, value = context["prefix"], context["number_value"]
    message = message or _description(data, actor)
    ticket = _ticket_out(
        context,
        data,
        labels,
        ticket_id=uuid.uuid4(),
        number=formatted(prefix, value) if value is not None else await next_number(connection, prefix),
        source=source,
        created_by=actor.id if actor else None,
        now=datetime.now(UTC),
        message=message,
        arrived_as=arrived_as,
    )
    try:
        await _write(connection, ticket, actor, message, arrived_as)
    except asyncpg.ForeignKeyViolationError as error:
        column = _VANISHED.get(error.constraint_name or "")
        if column is None:
            raise
        raise ValidationFailed(column, "It was deleted while the ticket was being created.") from error
    committed.set()
    return ticket


def _check_references(
    context: asyncpg.Record, data: TicketCreate, label_ids: list[uuid.UUID], source: TicketSource
) -> list[LabelRef]:
    missing = {
        # Mail is never refused for its mailbox's department having gone: the ticket waits unsorted.
        "department_id": data.department_id is not None
        and context["department_id"] is None
        and source is not TicketSource.EMAIL,
        "assignee_id": data.assignee_id is not None and context["assignee_id"] is None,
        "type_id": data.type_id is not None and context["type_id"] is None,
        "contact_id": data.contact_id is not None and context["contact_id"] is None,
    }
    what = {
        "department_id": "Department",
        "assignee_id": "Operator",
        "type_id": "Type",
        "contact_id": "Contact",
    }
    for name, absent in missing.items():
        if absent:
            raise ValidationFailed(name, f"{what[name]} {getattr(data, name)} does not exist.")
    labels = [LabelRef.model_validate(label) for label in orjson.loads(context["labels"] or "[]")]
    unknown = set(label_ids) - {label.id for label in labels}
    if unknown:
        raise ValidationFailed("label_ids", f"Label {sorted(map(str, unknown))[0]} does not exist.")
    return labels


def _priority(data: TicketCreate, override: str | None) -> TicketPriority:
    """Seed 10.15: a ticket under an SLA with a Priority Override never ranks below it."""
    if override is None or PRIORITY_RANK[TicketPriority(override)] <= PRIORITY_RANK[data.priority]:
        return data.priority
    return TicketPriority(override)


def _ticket_out(
    context: asyncpg.Record,
    data: TicketCreate,
    labels: list[LabelRef],
    *,
    ticket_id: uuid.UUID,
    number: str,
    source: TicketSource,
    created_by: uuid.UUID | None,
    now: datetime,
    message: FirstMessage | None,
    arrived_as: str | None,
) -> TicketOut:
    return TicketOut(
        id=ticket_id,
        number=number,
        title=data.title,
        status=TicketStatus.OPEN,
        priority=_priority(data, context["priority_override"]),
        source=source,
        department=_ref(context["department_id"], context["department_name"]),
        assignee=(
            OperatorRef(
                id=context["assignee_id"],
                username=context["assignee_username"],
                display_name=context["assignee_display_name"],
            )
            if context["assignee_id"]
            else None
        ),
        contact=ContactRef(
            id=context["contact_id"],
            name=contact_name(context["first_name"], context["last_name"], arrived_as),
            email=context["contact_address"] or (None if context["contact_id"] else data.contact_email),
        ),
        customer=_ref(context["customer_id"], context["company_name"]),
        type=_ref(context["type_id"], context["type_name"]),
        labels=labels,
        devices=linked_devices(context["devices"]),
        # Deadlines arrive from the SLA engine (sla.deadlines), which answers ticket_created.
        sla=Sla(sla_id=context["sla_id"], response_due_at=None, resolution_due_at=None, state="none"),
        last_contact=LastContact(direction=message.direction, at=now) if message else None,
        created_by_id=created_by,
        created_at=now,
        updated_at=now,
        closed_at=None,
    )


def _ref(ref_id: uuid.UUID | None, name: str | None) -> Ref | None:
    return Ref(id=ref_id, name=name or "") if ref_id else None


def _description(data: TicketCreate, actor: Operator | None) -> FirstMessage | None:
    """Seed 10.6: a description becomes the first comment, outbound, by the creator."""
    if data.description is None or not data.description.body.strip():
        return None
    return FirstMessage(
        direction="outbound",
        author=(actor.id, actor.username) if actor else (None, "system"),
        body=render_body(data.description.body, data.description.body_format),
    )


def search_text(ticket: TicketOut, arrived_as: str | None) -> str:
    """What the queue's search finds a ticket by (number, title, contact, the name its e-mail arrived
    with, assignee); edits renew it in SQL (`tickets.service.refresh_search_text`) from the same fields."""
    contact = ticket.contact
    parts = (
        ticket.number,
        ticket.title,
        contact.email,
        contact.name,
        arrived_as if arrived_as != contact.name else None,
        ticket.assignee and ticket.assignee.username,
    )
    return " ".join(part for part in parts if part)


async def _write(
    connection: asyncpg.Connection[Any],
    ticket: TicketOut,
    actor: Operator | None,
    message: FirstMessage | None,
    arrived_as: str | None,
) -> None:
    history = [("created", ticket.number)]
    if message is not None:
        history.append(("comment", f"{message.direction}: {message.body.text[:200]}"))
    author_id, author_name = message.author if message else (None, "")
    actor_name = actor.username if actor else author_name or "system"
    contact = ticket.contact
    await connection.execute(
        _WRITE,
        *_WRITTEN.values(
            ticket_id=ticket.id,
            number=ticket.number,
            title=ticket.title,
            priority=ticket.priority.value,
            source=ticket.source.value,
            department_id=ticket.department.id if ticket.department else None,
            assignee_id=ticket.assignee.id if ticket.assignee else None,
            contact_id=contact.id,
            contact_email=None if contact.id else contact.email,
            contact_name=arrived_as,
            customer_id=ticket.customer.id if ticket.customer else None,
            sla_id=ticket.sla.sla_id,
            type_id=ticket.type.id if ticket.type else None,
            creator_id=actor.id if actor else None,
            now=ticket.created_at,
            search_text=search_text(ticket, arrived_as),
            label_ids=[label.id for label in ticket.labels],
            message_id=message.comment_id if message else None,
            message_direction=message.direction if message else None,
            message_author_id=author_id,
            message_author=author_name,
            message_html=message.body.html if message else None,
            message_text=message.body.text if message else None,
            message_mail_id=message.mail_message_id if message else None,
            actor_name=actor_name,
            history_fields=[name for name, _ in history],
            history_values=[value for _, value in history],
        ),
        *outbox_parameters([events.created(ticket, actor.id if actor else None)]),
    )
