"""HTTP for the auto-timer on a ticket (seed 10.4's alert, 10.8's timeouts): its state, and the
console's heartbeat (opening the ticket, and while the operator works on it), confirmation and stop
(closing the dialog). Where the ticket's department does not track time automatically, each answers
the state `disabled`."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from helpdesk_common.clock import Now
from helpdesk_common.db import Session
from timetracking.access import TicketWorker
from timetracking.timer import service
from timetracking.timer.schemas import TimerOut
from timetracking.work_items import visible_ticket

router = APIRouter(prefix="/tickets/{ticket_id}/timer", tags=["auto-timer"])


@router.get("")
async def read_timer(ticket_id: uuid.UUID, operator: TicketWorker, session: Session, now: Now) -> TimerOut:
    ticket = await visible_ticket(session, operator, ticket_id)
    return await service.read(session, operator=operator, ticket=ticket, now=now)


@router.post("/heartbeat")
async def heartbeat(ticket_id: uuid.UUID, operator: TicketWorker, session: Session, now: Now) -> TimerOut:
    """Starts the operator's timer on this ticket if none runs (closing one on another ticket), or
    keeps it going."""
    ticket = await visible_ticket(session, operator, ticket_id, lock=True)
    answer = await service.heartbeat(session, operator=operator, ticket=ticket, now=now)
    await session.commit()
    return answer


@router.post("/confirm")
async def confirm(ticket_id: uuid.UUID, operator: TicketWorker, session: Session, now: Now) -> TimerOut:
    """The operator still works on the ticket (the answer to the confirm prompt)."""
    ticket = await visible_ticket(session, operator, ticket_id, lock=True)
    answer = await service.confirm(session, operator=operator, ticket=ticket, now=now)
    await session.commit()
    return answer


@router.post("/stop")
async def stop(ticket_id: uuid.UUID, operator: TicketWorker, session: Session, now: Now) -> TimerOut:
    """The operator closed the ticket: its timer's entry ends."""
    ticket = await visible_ticket(session, operator, ticket_id, lock=True)
    answer = await service.stop(session, operator=operator, ticket=ticket, now=now)
    await session.commit()
    return answer
