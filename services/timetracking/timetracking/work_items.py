"""What time is booked on: a ticket (the tickets projection, ticket_events.py) or an incident (the
incidents projection, incident_events.py), as the entries' rules see either. A ticket the operator may
not see answers like one that does not exist; every incident is seen by whoever may read incidents."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.auth import Operator
from helpdesk_common.contracts.time import WorkItemKind
from helpdesk_common.errors import NotFound
from helpdesk_common.ticket_module import may_see
from timetracking.tables import incidents, tickets

TICKET: WorkItemKind = "ticket"
INCIDENT: WorkItemKind = "incident"


class TicketNotFound(NotFound):
    pass


class IncidentNotFound(NotFound):
    pass


@dataclass(frozen=True)
class WorkItem:
    kind: WorkItemKind
    id: uuid.UUID
    number: str
    # A ticket's department: whose operators see its time, and the rounding it is booked with. An
    # incident has none, so its time is not rounded.
    department_id: uuid.UUID | None = None


async def visible_ticket(
    session: AsyncSession, operator: Operator, ticket_id: uuid.UUID, *, lock: bool = False
) -> WorkItem:
    """The ticket; `lock` for a write on it, so that its deletion (which removes its entries and
    timers) waits for the write, or the write sees it deleted."""
    query = select(tickets).where(tickets.c.id == ticket_id)
    if lock:
        query = query.with_for_update(read=True)
    row = (await session.execute(query)).first()
    if row is None or row.deleted or not may_see(operator, row.department_id):
        raise TicketNotFound(f"The ticket {ticket_id} does not exist.")
    return WorkItem(kind=TICKET, id=row.id, number=row.number, department_id=row.department_id)


async def known_incident(session: AsyncSession, incident_id: uuid.UUID) -> WorkItem:
    """The incident as ITSM last announced it. One created a moment ago may not have arrived yet: that
    answers 404 as well, and a retry finds it."""
    row = (await session.execute(select(incidents).where(incidents.c.id == incident_id))).first()
    if row is None:
        raise IncidentNotFound(
            f"The incident {incident_id} does not exist (or time tracking has not heard of it yet)."
        )
    return WorkItem(kind=INCIDENT, id=row.id, number=row.number)
