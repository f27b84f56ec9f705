"""What a notification e-mail says: the ticket (number and title), the event, what changed (the
event's field changes, the start of a comment, an SLA deadline, an auto-close) and a link to the
ticket in the console. Every value from the ticket is escaped into the HTML (a title may carry markup),
which then goes through the platform's one sanitiser; the text part is its rendering."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from helpdesk_common.bodies import Body, render_body
from helpdesk_common.contracts.tickets import (
    AutoClosed,
    CommentAdded,
    SlaBreached,
    SlaTimerData,
    SlaWarning,
    TicketSnapshot,
)

EVENT_TITLES = {
    "ticket_created": "Ticket created",
    "ticket_updated": "Ticket updated",
    "ticket_closed": "Ticket closed",
    "ticket_assigned": "Ticket assigned",
    "comment_added": "Comment added",
    "sla_warning": "SLA warning",
    "sla_breached": "SLA breached",
    "auto_closed": "Ticket auto-closed",
}
COMMENT_KINDS = {
    "internal": "Internal note",
    "outbound": "Reply to the customer",
    "inbound": "Customer message",
}
# Enough of a comment to know what it is about; the rest is one click away.
COMMENT_START_CHARACTERS = 500
VALUE_CHARACTERS = 200
TITLE_CHARACTERS = 200
NONE = "(none)"


@dataclass(frozen=True)
class Composed:
    subject: str
    body: Body


def compose(event: Any, *, department: str, ticket_url: str) -> Composed:
    """The subject and both bodies of one event's notification (the same for every recipient)."""
    ticket: TicketSnapshot = event.data.ticket
    what = EVENT_TITLES[event.type]
    title = _short(" ".join(ticket.title.split()), TITLE_CHARACTERS)
    # The number in brackets, as on every mail of a ticket: a mail client groups them by it.
    subject = f"[{ticket.number}] {what}: {title}"
    rows = _changes(event)
    parts = [f"<p><strong>{_e(what)}</strong>: {_e(ticket.number)} {_e(title)}</p>"]
    if rows:
        parts.append(
            "<ul>" + "".join(f"<li>{_e(label)}: {_e(value)}</li>" for label, value in rows) + "</ul>"
        )
    if isinstance(event, CommentAdded):
        start = _short(event.data.comment.body_text, COMMENT_START_CHARACTERS)
        parts.append(f"<blockquote>{_paragraphs(start)}</blockquote>")
    parts.append(f'<p><a href="{_e(ticket_url)}">Open {_e(ticket.number)} in the console</a></p>')
    facts = [
        ("Department", department or NONE),
        ("Status", ticket.status.value),
        ("Priority", ticket.priority.value),
        ("Assigned to", ticket.assignee_username or NONE),
    ]
    parts.append("<p>" + "<br>".join(f"{_e(label)}: {_e(value)}" for label, value in facts) + "</p>")
    return Composed(subject=subject, body=render_body("".join(parts), "html"))


def _changes(event: Any) -> list[tuple[str, str]]:
    """What the event changed, as label and words."""
    ticket: TicketSnapshot = event.data.ticket
    if isinstance(event, CommentAdded):
        comment = event.data.comment
        return [
            (
                COMMENT_KINDS.get(comment.direction.value, "Comment"),
                f"by {comment.author_name or 'the system'}",
            )
        ]
    if isinstance(event, SlaWarning | SlaBreached):
        timer: SlaTimerData = event.data
        verb = "due" if isinstance(event, SlaWarning) else "was due"
        return [(f"{timer.deadline.capitalize()} deadline", f"{verb} {_when(timer.due_at)}")]
    if isinstance(event, AutoClosed):
        rows = [("Closed after", f"{event.data.inactive_days} days without activity")]
        if event.data.note.strip():
            rows.append(("Note", _short(event.data.note, VALUE_CHARACTERS)))
        return rows
    if event.type == "ticket_created":
        contact = ticket.contact_name or ticket.contact_email
        return [("Contact", contact)] if contact else []
    rows = []
    for field, change in event.data.changes.items():
        if field == "assignee_id":
            was = "unassigned" if change.old is None else "someone else"
            rows.append(("Assigned to", f"{ticket.assignee_username or 'nobody'} (was {was})"))
        else:
            rows.append((_label(field), f"{_value(change.old)} → {_value(change.new)}"))
    return rows


def _label(field: str) -> str:
    """`label_ids` reads "Labels", `type_id` "Type"."""
    if field.endswith("_ids"):
        field = field.removesuffix("_ids") + "s"
    return field.removesuffix("_id").replace("_", " ").capitalize()


def _value(value: Any) -> str:
    if value is None or value == "" or value == []:
        return NONE
    if isinstance(value, list):
        return _short(", ".join(str(item) for item in value), VALUE_CHARACTERS)
    return _short(" ".join(str(value).split()), VALUE_CHARACTERS)


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _short(value: str, most: int) -> str:
    return value if len(value) <= most else value[: most - 1].rstrip() + "…"


def _paragraphs(value: str) -> str:
    return "<br>".join(_e(line) for line in value.replace("\r\n", "\n").split("\n"))


def _e(value: str) -> str:
    return html.escape(value, quote=True)
