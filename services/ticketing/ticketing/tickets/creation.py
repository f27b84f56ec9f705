"""Creating a ticket (seed 10.6), the one way every ticket is made (the API's and e-mail's), and the
rules that decide it: the fallback department, the number's prefix, the SLA's priority floor. The
hottest write of the product, in two statements for one ticket or for a run of them (e-mail
creates a consumer's pulled run at once), written in creation_sql.py:

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
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal

import asyncpg
import orjson
from sqlalchemy.ext.asyncio import AsyncEngine

from helpdesk_common.auth import Operator
from helpdesk_common.bodies import Body, render_body
from helpdesk_common.contracts.tickets import InboundOrigin, TicketPriority, TicketSource, TicketStatus
from helpdesk_common.db import autocommit_connection
from helpdesk_common.errors import PermissionMissing, ValidationFailed
from helpdesk_common.idempotency import Answer, fingerprint, once
from helpdesk_common.outbox import committed, outbox_parameters
from ticketing.tickets import events
from ticketing.tickets.creation_sql import ASKED, CONTEXT, READ, TICKET, WRITE, WRITTEN, asked_values
from ticketing.tickets.numbering import formatted, next_number
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

        answer = await once(
            connection,
            key=idempotency_key,
            operator_id=actor.id,
            request=lambda: fingerprint("create ticket", data.model_dump_json()),
            work=work,
        )
    # Only now, committed with or without the idempotency key's transaction: a relay woken before
    # finds nothing and waits out its idle poll, and a run of creates inside one transaction
    # (e-mail) woke it once per ticket for nothing (`make bench-mail`).
    committed.set()
    return answer


@dataclass(frozen=True)
class FirstMessage:
    """The message a ticket opens with: the creator's description, or the customer's mail."""

    direction: Literal["outbound", "inbound"]
    author: tuple[uuid.UUID | None, str]
    body: Body
    mail_message_id: str | None = None
    # The sender and, for mail sent by a machine, why (ticket_created carries both for auto-replies).
    mail_from: str | None = None
    mail_automatic: str | None = None
    comment_id: uuid.UUID = field(default_factory=uuid.uuid4)

    def inbound_origin(self) -> InboundOrigin | None:
        if self.mail_message_id is None or self.mail_from is None:
            return None
        return InboundOrigin(
            message_id=self.mail_message_id, from_address=self.mail_from, automatic=self.mail_automatic
        )


@dataclass(frozen=True)
class NewTicket:
    """One ticket asked for: from the API (`actor` the operator) or from mail (no actor; `message` the
    customer's, `arrived_as` the sender's display name). Its id is chosen here, so a caller creating
    a run of tickets knows each one's before the run is written."""

    data: TicketCreate
    actor: Operator | None = None
    source: TicketSource = TicketSource.MANUAL
    message: FirstMessage | None = None
    arrived_as: str | None = None
    ticket_id: uuid.UUID = field(default_factory=uuid.uuid4)


async def create_ticket(
    connection: asyncpg.Connection[Any],
    *,
    data: TicketCreate,
    actor: Operator | None,
    source: TicketSource = TicketSource.MANUAL,
    message: FirstMessage | None = None,
    arrived_as: str | None = None,
) -> TicketOut:
    """Every new ticket: a run of one (see `create_tickets`)."""
    wanted = NewTicket(data=data, actor=actor, source=source, message=message, arrived_as=arrived_as)
    return (await create_tickets(connection, [wanted]))[0]


async def create_tickets(connection: asyncpg.Connection[Any], wanted: list[NewTicket]) -> list[TicketOut]:
    """A run of new tickets in the two statements, in the order given (e-mail creates a pulled run at
    once, since the consumer is bound by statements per message: `make bench-mail`). One that cannot
    be created fails the run. On a connection with no transaction open the write commits as it
    completes; in a transaction, with it. The caller, who knows when that is, wakes the outbox relay."""
    for asked in wanted:
        if asked.data.assignee_id is not None and not (asked.actor and asked.actor.has(ASSIGN_FLAG)):
            raise PermissionMissing(ASSIGN_FLAG)
    label_ids = [list(dict.fromkeys(asked.data.label_ids)) for asked in wanted]
    run = len(wanted) > 1
    contexts = await connection.fetch(
        CONTEXT[run],
        *asked_values(
            READ,
            ASKED,
            run=run,
            department_id=[asked.data.department_id for asked in wanted],
            creator_id=[asked.actor.id if asked.actor else None for asked in wanted],
            assignee_id=[asked.data.assignee_id for asked in wanted],
            type_id=[asked.data.type_id for asked in wanted],
            contact_id=[asked.data.contact_id for asked in wanted],
            contact_email=[asked.data.contact_email for asked in wanted],
            label_ids=["{" + ",".join(map(str, ids)) + "}" for ids in label_ids],
        ),
    )
    # module_settings has its one row, so every ticket asked for has its context.
    assert len(contexts) == len(wanted)
    made = [
        await _made(connection, asked, context, labels)
        for asked, context, labels in zip(wanted, contexts, label_ids, strict=True)
    ]
    try:
        await _write(connection, made)
    except asyncpg.ForeignKeyViolationError as error:
        column = _VANISHED.get(error.constraint_name or "")
        if column is None:
            raise
        raise ValidationFailed(column, "It was deleted while the ticket was being created.") from error
    return [ticket for ticket, _ in made]


async def _made(
    connection: asyncpg.Connection[Any], asked: NewTicket, context: asyncpg.Record, label_ids: list[uuid.UUID]
) -> tuple[TicketOut, NewTicket]:
    """The ticket as it will be written, and what was asked with its first message settled."""
    labels = _check_references(context, asked.data, label_ids, asked.source)
    prefix, value = context["prefix"], context["number_value"]
    message = asked.message or _description(asked.data, asked.actor)
    ticket = _ticket_out(
        context,
        asked.data,
        labels,
        ticket_id=asked.ticket_id,
        number=formatted(prefix, value) if value is not None else await next_number(connection, prefix),
        source=asked.source,
        created_by=asked.actor.id if asked.actor else None,
        now=datetime.now(UTC),
        message=message,
        arrived_as=asked.arrived_as,
    )
    return ticket, replace(asked, message=message)


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


async def _write(connection: asyncpg.Connection[Any], made: list[tuple[TicketOut, NewTicket]]) -> None:
    tickets = [ticket for ticket, _ in made]
    described = [(ticket, asked.message) for ticket, asked in made if asked.message is not None]
    labelled = [(ticket.id, label.id) for ticket in tickets for label in ticket.labels]
    history = [entry for ticket, asked in made for entry in _history(ticket, asked)]
    run = len(made) > 1
    await connection.execute(
        WRITE[run],
        *asked_values(
            WRITTEN,
            TICKET,
            run=run,
            id=[ticket.id for ticket in tickets],
            number=[ticket.number for ticket in tickets],
            title=[ticket.title for ticket in tickets],
            priority=[ticket.priority.value for ticket in tickets],
            source=[ticket.source.value for ticket in tickets],
            department_id=[ticket.department.id if ticket.department else None for ticket in tickets],
            assignee_id=[ticket.assignee.id if ticket.assignee else None for ticket in tickets],
            contact_id=[ticket.contact.id for ticket in tickets],
            contact_email=[None if ticket.contact.id else ticket.contact.email for ticket in tickets],
            contact_name=[asked.arrived_as for _, asked in made],
            customer_id=[ticket.customer.id if ticket.customer else None for ticket in tickets],
            sla_id=[ticket.sla.sla_id for ticket in tickets],
            type_id=[ticket.type.id if ticket.type else None for ticket in tickets],
            creator_id=[ticket.created_by_id for ticket in tickets],
            now=[ticket.created_at for ticket in tickets],
            search_text=[search_text(ticket, asked.arrived_as) for ticket, asked in made],
            message_id=[asked.message.comment_id if asked.message else None for _, asked in made],
            message_direction=[asked.message.direction if asked.message else None for _, asked in made],
            labelled_ticket_ids=[ticket_id for ticket_id, _ in labelled],
            label_ids=[label_id for _, label_id in labelled],
            described_ticket_ids=[ticket.id for ticket, _ in described],
            described_ids=[message.comment_id for _, message in described],
            described_directions=[message.direction for _, message in described],
            described_author_ids=[message.author[0] for _, message in described],
            described_authors=[message.author[1] for _, message in described],
            described_html=[message.body.html for _, message in described],
            described_text=[message.body.text for _, message in described],
            described_mail_ids=[message.mail_message_id for _, message in described],
            described_at=[ticket.created_at for ticket, _ in described],
            history_ticket_ids=[entry[0] for entry in history],
            history_actor_ids=[entry[1] for entry in history],
            history_actor_names=[entry[2] for entry in history],
            history_fields=[entry[3] for entry in history],
            history_values=[entry[4] for entry in history],
        ),
        *outbox_parameters(
            events.created(
                ticket,
                asked.actor.id if asked.actor else None,
                asked.message.inbound_origin() if asked.message else None,
            )
            for ticket, asked in made
        ),
    )


def _history(ticket: TicketOut, asked: NewTicket) -> list[tuple[uuid.UUID, uuid.UUID | None, str, str, str]]:
    """The new ticket's history entries: its creation, and its first message if it has one."""
    message = asked.message
    entries = [("created", ticket.number)]
    if message is not None:
        entries.append(("comment", f"{message.direction}: {message.body.text[:200]}"))
    author_name = message.author[1] if message else ""
    actor_name = asked.actor.username if asked.actor else author_name or "system"
    return [(ticket.id, ticket.created_by_id, actor_name, field, value) for field, value in entries]
