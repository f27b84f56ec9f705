"""What a notification e-mail says: the ticket (number and title), the event, what changed (the
event's field changes, the start of a comment, an SLA deadline, an auto-close) and a link to the
ticket in the console; for an incident, its number, priority and title, the event, what changed, the
note written with it, and a link to the incident. Every value from the ticket or incident is escaped
into the HTML (a title may carry markup), which then goes through the platform's one sanitiser; the
text part is its rendering."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from helpdesk_common.bodies import Body, render_body
from helpdesk_common.contracts.itsm import IncidentChangeData, IncidentSnapshot
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
INCIDENT_EVENT_TITLES = {
    "incident_created": "Incident created",
    "incident_updated": "Incident updated",
    "incident_assigned": "Incident assigned",
    "incident_acknowledged": "Incident acknowledged",
    "incident_escalated": "Incident escalated",
    "incident_resolved": "Incident resolved",
    "incident_reopened": "Incident reopened",
    "incident_closed": "Incident closed",
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


def compose_incident(event: Any, *, incident_url: str) -> Composed:
    """The subject and both bodies of one incident event's e-mail (the same for every recipient)."""
    data: IncidentChangeData = event.data
    incident = data.incident
    what = INCIDENT_EVENT_TITLES[event.type]
    title = _short(" ".join(incident.title.split()), TITLE_CHARACTERS)
    # The number first as on a ticket's mail, the priority beside the event: what an on-call reads
    # in a list of subjects.
    subject = f"[{incident.number}] {what} ({incident.priority}): {title}"
    parts = [f"<p><strong>{_e(what)}</strong>: {_e(incident.number)} {_e(title)}</p>"]
    rows = _incident_changes(data)
    if rows:
        parts.append(
            "<ul>" + "".join(f"<li>{_e(label)}: {_e(value)}</li>" for label, value in rows) + "</ul>"
        )
    if data.note and data.note.strip():
        parts.append(f"<blockquote>{_paragraphs(_short(data.note, COMMENT_START_CHARACTERS))}</blockquote>")
    parts.append(f'<p><a href="{_e(incident_url)}">Open {_e(incident.number)} in the console</a></p>')
    facts = [
        ("Status", incident.status),
        ("Priority", f"{incident.priority} (impact {incident.impact}, urgency {incident.urgency})"),
        ("Severity", incident.severity),
        ("Host", _host(incident)),
        ("Source", " / ".join(part for part in (incident.source, incident.rule) if part) or NONE),
        ("Assigned to", _incident_assignee(incident)),
        ("Escalation level", str(incident.escalation_level)),
        ("Alerts", str(incident.alert_count)),
    ]
    if incident.resolution_code is not None:
        facts.append(("Resolution", incident.resolution_code))
    parts.append("<p>" + "<br>".join(f"{_e(label)}: {_e(value)}" for label, value in facts) + "</p>")
    return Composed(subject=subject, body=render_body("".join(parts), "html"))


def _incident_changes(data: IncidentChangeData) -> list[tuple[str, str]]:
    rows = []
    for field, change in data.changes.items():
        if field in ("assignee_id", "assignee_idp_user", "assignment_group_id"):
            # One line for the assignment, by name where the incident gives one.
            if ("Assigned to", _incident_assignee(data.incident)) not in rows:
                rows.append(("Assigned to", _incident_assignee(data.incident)))
        elif field == "assignee_username":
            continue
        else:
            rows.append((_label(field), f"{_value(change.old)} → {_value(change.new)}"))
    return rows


def _incident_assignee(incident: IncidentSnapshot) -> str:
    who = incident.assignee_username or incident.assignee_idp_user
    if incident.assignment_group_id is not None:
        # The event names the group by its id only, which says nothing to a reader.
        return f"{who} and an assignment group" if who else "an assignment group"
    return who or "nobody"


def _host(incident: IncidentSnapshot) -> str:
    if incident.is_storm:
        return f"{incident.host_count} hosts (storm)"
    return incident.host or NONE


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
