"""The two statements of ticket creation (creation.py), for one ticket or for a run of them: the read
of everything the rules and the answer need, and the write of tickets, labels, first messages,
history and `ticket_created`. Straight to the driver, with numbered parameters (`Positions`)."""

from __future__ import annotations

from typing import Any

from helpdesk_common.db import Positions
from helpdesk_common.outbox import outbox_insert
from ticketing.tickets.numbering import next_value_sql


def asked_rows(positions: Positions, columns: dict[str, str], alias: str, *, run: bool) -> str:
    """The rows a statement works on, as a FROM item with their position: for a run, one array
    parameter per column, unnested; for a single ticket, its values, one parameter per column. Not
    one unnest of one-element arrays for both: PostgreSQL's generic plan cannot know how many rows
    an unnest gives, so every single create, the API's, was planned anew (`make bench-tickets`)."""
    names = ", ".join(columns)
    if run:
        arrays = ", ".join(f"{getattr(positions, name)}::{kind}[]" for name, kind in columns.items())
        return f"unnest({arrays}) WITH ORDINALITY AS {alias}({names}, position)"
    values = ", ".join(f"{getattr(positions, name)}::{kind}" for name, kind in columns.items())
    return f"(SELECT {values}, 1::bigint) AS {alias}({names}, position)"


# One row per ticket asked for, in the order asked. The contact is found by id or else by e-mail in
# two index lookups: one OR would defeat the indexes once the plan is generic. The department asked
# for, else the creator's default one. Labels travel as an array literal per ticket (`{a,b}`), since
# an array of arrays must be rectangular. Numbers are drawn in the outer query, after the sort, so
# a run of tickets is numbered in the order it was asked for.
ASKED = {
    "department_id": "uuid", "creator_id": "uuid", "assignee_id": "uuid", "type_id": "uuid",
    "contact_id": "uuid", "contact_email": "text", "label_ids": "text",
}  # fmt: skip
READ = Positions(*ASKED)


def _context_sql(*, run: bool) -> str:
    return f"""
SELECT found.*, {next_value_sql("found.prefix")} AS number_value
FROM (
SELECT
    asked.position,
    coalesce(cu.ticket_number_prefix, settings.ticket_number_prefix) AS prefix,
    d.id AS department_id, d.name AS department_name,
    a.id AS assignee_id, a.username AS assignee_username, a.display_name AS assignee_display_name,
    ty.id AS type_id, ty.name AS type_name,
    c.id AS contact_id, c.email AS contact_address, c.first_name, c.last_name,
    cu.id AS customer_id, cu.company_name,
    sla.id AS sla_id, sla.priority_override,
    (SELECT json_agg(json_build_object('id', l.id, 'name', l.name, 'color', l.color) ORDER BY l.name)
     FROM labels l WHERE l.id = ANY(asked.label_ids::uuid[]))::text AS labels,
    (SELECT json_agg(json_build_object('id', dv.id, 'name', dv.name, 'attributes', dv.attributes)
                     ORDER BY dv.name)
     FROM contact_devices cd JOIN devices dv ON dv.id = cd.device_id
     WHERE cd.contact_id = c.id)::text AS devices
FROM {asked_rows(READ, ASKED, "asked", run=run)}
CROSS JOIN LATERAL (
    SELECT coalesce(asked.department_id,
                    (SELECT default_department_id FROM operators WHERE id = asked.creator_id)) AS id
) AS wanted
CROSS JOIN module_settings AS settings
LEFT JOIN departments d ON d.id = wanted.id
LEFT JOIN operators a ON a.id = asked.assignee_id
LEFT JOIN ticket_types ty ON ty.id = asked.type_id
LEFT JOIN LATERAL (
    (SELECT * FROM contacts WHERE id = asked.contact_id)
    UNION ALL
    (SELECT * FROM contacts
     WHERE asked.contact_id IS NULL AND lower(email) = lower(asked.contact_email))
    LIMIT 1
) AS c ON true
LEFT JOIN customers cu ON cu.id = c.customer_id
LEFT JOIN sla_definitions sla ON sla.id = cu.sla_id
ORDER BY asked.position
) AS found
"""


# The first message is a comment: the creator's description (outbound) or the customer's mail
# (inbound), and so the Last Contact. A description is not a response to the customer (nobody was
# sent anything), so the response SLA keeps running, as the SLA engine counts it. The tickets come
# as `asked_rows`; their labels, first messages and history entries, of any number, as arrays.
TICKET = {
    "id": "uuid", "number": "text", "title": "text", "priority": "text", "source": "text",
    "department_id": "uuid", "assignee_id": "uuid", "contact_id": "uuid", "contact_email": "text",
    "contact_name": "text", "customer_id": "uuid", "sla_id": "uuid", "type_id": "uuid",
    "creator_id": "uuid", "now": "timestamptz", "search_text": "text", "message_id": "uuid",
    "message_direction": "text",
}  # fmt: skip
WRITTEN = Positions(
    *TICKET,
    "labelled_ticket_ids", "label_ids",
    "described_ticket_ids", "described_ids", "described_directions", "described_author_ids",
    "described_authors", "described_html", "described_text", "described_mail_ids", "described_at",
    "history_ticket_ids", "history_actor_ids", "history_actor_names", "history_fields", "history_values",
)  # fmt: skip
_W = WRITTEN


def _write_sql(*, run: bool) -> str:
    return f"""
WITH ticket AS (
    INSERT INTO tickets (
        id, number, title, priority, source, department_id, assignee_id, contact_id, contact_email,
        contact_name, customer_id, sla_id, type_id, created_by_id, created_at, updated_at, last_activity_at,
        last_message_direction, last_message_at, search_text)
    SELECT t.id, t.number, t.title, t.priority, t.source, t.department_id, t.assignee_id, t.contact_id,
           t.contact_email, t.contact_name, t.customer_id, t.sla_id, t.type_id, t.creator_id, t.now, t.now,
           t.now, t.message_direction, CASE WHEN t.message_id IS NULL THEN NULL ELSE t.now END,
           lower(t.search_text)
    FROM {asked_rows(WRITTEN, TICKET, "t", run=run)}
), labelled AS (
    INSERT INTO ticket_labels (ticket_id, label_id)
    SELECT * FROM unnest({_W.labelled_ticket_ids}::uuid[], {_W.label_ids}::uuid[])
), described AS (
    INSERT INTO comments (id, ticket_id, direction, author_id, author_name, body_html, body_text,
                          message_id, created_at)
    SELECT * FROM unnest({_W.described_ids}::uuid[], {_W.described_ticket_ids}::uuid[],
                         {_W.described_directions}::text[], {_W.described_author_ids}::uuid[],
                         {_W.described_authors}::text[], {_W.described_html}::text[],
                         {_W.described_text}::text[], {_W.described_mail_ids}::text[],
                         {_W.described_at}::timestamptz[])
), history AS (
    INSERT INTO ticket_history (ticket_id, actor_id, actor_name, field, old_value, new_value)
    SELECT entry.ticket_id, entry.actor_id, entry.actor_name, entry.field, NULL, entry.new_value
    FROM unnest({_W.history_ticket_ids}::uuid[], {_W.history_actor_ids}::uuid[],
                {_W.history_actor_names}::text[], {_W.history_fields}::text[], {_W.history_values}::text[])
         WITH ORDINALITY AS entry(ticket_id, actor_id, actor_name, field, new_value, position)
    ORDER BY entry.position
)
""" + outbox_insert(WRITTEN.following)


CONTEXT = {run: _context_sql(run=run) for run in (False, True)}
WRITE = {run: _write_sql(run=run) for run in (False, True)}


def asked_values(positions: Positions, columns: dict[str, str], *, run: bool, **given: Any) -> list[Any]:
    """The parameters of `asked_rows` (each column's values, one per ticket) and the rest of the
    statement's: a single ticket passes each column's one value."""
    if not run:
        given = {name: value[0] if name in columns else value for name, value in given.items()}
    return positions.values(**given)
