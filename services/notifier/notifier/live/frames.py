"""The stream's messages in the text/event-stream format: what each event says, and how it is framed.

A ticket event carries its id (the TICKETS stream's sequence), so the browser's EventSource sends it
back as Last-Event-ID when it reconnects; presence and the unread counter carry none (they are state,
sent afresh on every connection), so they leave that id as it was."""

from __future__ import annotations

import uuid
from typing import Any

import orjson

from helpdesk_common.contracts.tickets import CommentAdded, TicketChangeData

TICKET_FIELDS = (
    "id",
    "number",
    "title",
    "status",
    "priority",
    "source",
    "department_id",
    "assignee_id",
    "assignee_username",
    "contact_name",
    "contact_email",
    "updated_at",
)
EXCERPT_CHARACTERS = 200


def frame(event: str, data: Any, *, event_id: int | None = None) -> bytes:
    head = b"id: %d\n" % event_id if event_id is not None else b""
    return head + b"event: " + event.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"


def ticket_event_data(event: Any) -> dict[str, Any]:
    """What a toast and a queue row need: the ticket's summary, what changed, the comment's start."""
    data = event.data
    ticket = data.ticket.model_dump(mode="json", include=set(TICKET_FIELDS))
    said: dict[str, Any] = {"event_id": str(event.id), "time": event.time.isoformat(), "ticket": ticket}
    if isinstance(data, TicketChangeData):
        said["changes"] = {name: change.model_dump(mode="json") for name, change in data.changes.items()}
        said["actor_id"] = str(data.actor_id) if data.actor_id else None
    if isinstance(event, CommentAdded):
        comment = data.comment
        said["comment"] = {
            "id": str(comment.id),
            "direction": comment.direction.value,
            "author_id": str(comment.author_id) if comment.author_id else None,
            "author_name": comment.author_name,
            "excerpt": comment.body_text[:EXCERPT_CHARACTERS],
            "created_at": comment.created_at.isoformat(),
        }
    for extra in ("deadline", "due_at", "inactive_days"):
        if hasattr(data, extra):
            value = getattr(data, extra)
            said[extra] = value.isoformat() if hasattr(value, "isoformat") else value
    return said


def unread_data(unread: set[uuid.UUID]) -> dict[str, Any]:
    return {"count": len(unread)}
