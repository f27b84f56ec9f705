"""Creating a ticket (seed 10.6): the hottest write of the product, in two statements.

1. one read gathers everything the rules need (fallback department, contact and customer, prefix,
   SLA, assignee, type, labels), everything the answer shows, and the next number of the prefix;
2. one write stores the ticket, its labels, the description, the history and `ticket_created` in
   the outbox. A single statement is atomic by itself, so it runs without BEGIN and COMMIT.

Both go straight to the driver: through SQLAlchemy and a session, the eleven statements this used
to take cost most of a create's CPU, and on this kind of machine every round trip costs about
50 µs of CPU on each side. The answer is built from what was read and written, not read back.
Something deleted between the read and the write (a department, a label) fails the write on its
foreign key, which answers 422 as if the read had not found it. A number drawn for a create that
then fails is skipped, never reused.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import orjson

from helpdesk_common.auth import Operator
from helpdesk_common.contracts.tickets import TicketPriority
from helpdesk_common.errors import PermissionMissing, ValidationFailed
from helpdesk_common.outbox import committed, outbox_insert, outbox_parameters
from ticketing.bodies import render_body
from ticketing.tickets import events
from ticketing.tickets.numbering import formatted, next_number, next_value_sql
from ticketing.tickets.reading import linked_devices
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

# $1 department asked for, $2 creator (whose default department is the fallback), $3 assignee,
# $4 type, $5 contact id, $6 contact e-mail, $7 labels. The contact is found by id or else by
# e-mail in two index lookups: one OR would defeat the indexes once the plan is generic.
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
     FROM labels l WHERE l.id = ANY($7::uuid[]))::text AS labels,
    (SELECT json_agg(json_build_object('id', dv.id, 'name', dv.name, 'attributes', dv.attributes)
                     ORDER BY dv.name)
     FROM contact_devices cd JOIN devices dv ON dv.id = cd.device_id
     WHERE cd.contact_id = c.id)::text AS devices
FROM (SELECT coalesce($1::uuid, (SELECT default_department_id FROM operators WHERE id = $2)) AS id) AS wanted
CROSS JOIN module_settings AS settings
LEFT JOIN departments d ON d.id = wanted.id
LEFT JOIN operators a ON a.id = $3
LEFT JOIN ticket_types ty ON ty.id = $4
LEFT JOIN LATERAL (
    (SELECT * FROM contacts WHERE id = $5)
    UNION ALL
    (SELECT * FROM contacts WHERE $5::uuid IS NULL AND lower(email) = lower($6::text))
    LIMIT 1
) AS c ON true
LEFT JOIN customers cu ON cu.id = c.customer_id
LEFT JOIN sla_definitions sla ON sla.id = cu.sla_id
"""

# The description is the first comment (outbound, by the creator), so it is the Last Contact too. It
# is not a response to the customer (nobody was sent anything), so the response SLA keeps running,
# as the SLA engine counts it.
_WRITE = """
WITH ticket AS (
    INSERT INTO tickets (
        id, number, title, priority, department_id, assignee_id, contact_id, contact_email,
        customer_id, sla_id, type_id, created_by_id, created_at, updated_at, last_activity_at,
        last_message_direction, last_message_at, search_text)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::timestamptz, $13, $13,
            CASE WHEN $14::uuid IS NULL THEN NULL ELSE 'outbound' END,
            CASE WHEN $14::uuid IS NULL THEN NULL ELSE $13::timestamptz END,
            lower($15::text))
), labelled AS (
    INSERT INTO ticket_labels (ticket_id, label_id) SELECT $1, unnest($16::uuid[])
), described AS (
    INSERT INTO comments (id, ticket_id, direction, author_id, author_name, body_html, body_text, created_at)
    SELECT $14, $1, 'outbound', $12, $17::text, $18::text, $19::text, $13::timestamptz
    WHERE $14::uuid IS NOT NULL
), history AS (
    INSERT INTO ticket_history (ticket_id, actor_id, actor_name, field, old_value, new_value)
    SELECT $1, $12, $17, entry.field, NULL, entry.new_value
    FROM unnest($20::text[], $21::text[]) WITH ORDINALITY AS entry(field, new_value, position)
    ORDER BY entry.position
)
""" + outbox_insert(22)

# A reference removed between the read and the write, by the foreign key that caught it.
_VANISHED = {
    "tickets_department_id_fkey": "department_id",
    "tickets_assignee_id_fkey": "assignee_id",
    "tickets_contact_id_fkey": "contact_id",
    "tickets_customer_id_fkey": "contact_id",
    "tickets_type_id_fkey": "type_id",
    "ticket_labels_label_id_fkey": "label_ids",
}


@dataclass(frozen=True)
class _Description:
    comment_id: uuid.UUID
    html: str
    text: str


async def create_ticket(
    connection: asyncpg.Connection[Any], *, operator: Operator, data: TicketCreate
) -> TicketOut:
    """`connection` has no transaction open: the write commits as it completes."""
    if data.assignee_id is not None and not operator.has(ASSIGN_FLAG):
        raise PermissionMissing(ASSIGN_FLAG)
    label_ids = list(dict.fromkeys(data.label_ids))
    context = await connection.fetchrow(
        _CONTEXT,
        data.department_id,
        operator.id,
        data.assignee_id,
        data.type_id,
        data.contact_id,
        data.contact_email,
        label_ids,
    )
    assert context is not None  # module_settings has its one row
    labels = _check_references(context, data, label_ids)
    prefix, value = context["prefix"], context["number_value"]
    description = _description(data)
    ticket = _ticket_out(
        context,
        data,
        labels,
        ticket_id=uuid.uuid4(),
        number=formatted(prefix, value) if value is not None else await next_number(connection, prefix),
        created_by=operator.id,
        now=datetime.now(UTC),
        described=description is not None,
    )
    try:
        await _write(connection, ticket, operator, description)
    except asyncpg.ForeignKeyViolationError as error:
        field = _VANISHED.get(error.constraint_name or "")
        if field is None:
            raise
        raise ValidationFailed(field, "It was deleted while the ticket was being created.") from error
    committed.set()
    return ticket


def _check_references(
    context: asyncpg.Record, data: TicketCreate, label_ids: list[uuid.UUID]
) -> list[LabelRef]:
    missing = {
        "department_id": data.department_id is not None and context["department_id"] is None,
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
    for field, absent in missing.items():
        if absent:
            raise ValidationFailed(field, f"{what[field]} {getattr(data, field)} does not exist.")
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
    created_by: uuid.UUID,
    now: datetime,
    described: bool,
) -> TicketOut:
    contact_name = " ".join(part for part in (context["first_name"], context["last_name"]) if part) or None
    return TicketOut(
        id=ticket_id,
        number=number,
        title=data.title,
        status="open",
        priority=_priority(data, context["priority_override"]),
        source="manual",
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
            name=contact_name,
            email=context["contact_address"] or (None if context["contact_id"] else data.contact_email),
        ),
        customer=_ref(context["customer_id"], context["company_name"]),
        type=_ref(context["type_id"], context["type_name"]),
        labels=labels,
        devices=linked_devices(context["devices"]),
        # Deadlines arrive from the SLA engine (sla.deadlines), which answers ticket_created.
        sla=Sla(sla_id=context["sla_id"], response_due_at=None, resolution_due_at=None, state="none"),
        last_contact=LastContact(direction="outbound", at=now) if described else None,
        created_by_id=created_by,
        created_at=now,
        updated_at=now,
        closed_at=None,
    )


def _ref(ref_id: uuid.UUID | None, name: str | None) -> Ref | None:
    return Ref(id=ref_id, name=name or "") if ref_id else None


def _description(data: TicketCreate) -> _Description | None:
    if data.description is None or not data.description.body.strip():
        return None
    rendered = render_body(data.description.body, data.description.body_format)
    return _Description(comment_id=uuid.uuid4(), html=rendered.html, text=rendered.text)


async def _write(
    connection: asyncpg.Connection[Any],
    ticket: TicketOut,
    operator: Operator,
    description: _Description | None,
) -> None:
    history = [("created", ticket.number)]
    if description is not None:
        history.append(("comment", f"outbound: {description.text[:200]}"))
    contact = ticket.contact
    search_text = " ".join(
        part
        for part in (
            ticket.number,
            ticket.title,
            contact.email,
            contact.name,
            ticket.assignee.username if ticket.assignee else None,
        )
        if part
    )
    await connection.execute(
        _WRITE,
        ticket.id,
        ticket.number,
        ticket.title,
        ticket.priority.value,
        ticket.department.id if ticket.department else None,
        ticket.assignee.id if ticket.assignee else None,
        contact.id,
        None if contact.id else contact.email,
        ticket.customer.id if ticket.customer else None,
        ticket.sla.sla_id,
        ticket.type.id if ticket.type else None,
        operator.id,
        ticket.created_at,
        description.comment_id if description else None,
        search_text,
        [label.id for label in ticket.labels],
        operator.username,
        description.html if description else None,
        description.text if description else None,
        [field for field, _ in history],
        [value for _, value in history],
        *outbox_parameters([events.created(ticket, operator.id)]),
    )
