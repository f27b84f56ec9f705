"""HTTP for a ticket's Time Tracking tab (seed 10.4): its entries with their totals, a manual booking,
a deletion; the module's gate and a ticket the operator can see."""

from __future__ import annotations

import uuid
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query

from helpdesk_common.clock import Now
from helpdesk_common.db import Session
from helpdesk_common.http.openapi import problem
from timetracking.access import TicketWorker
from timetracking.entries import service
from timetracking.entries.schemas import EntriesOut, EntriesQuery, EntryIn, EntryOut
from timetracking.work_items import visible_ticket

router = APIRouter(prefix="/tickets/{ticket_id}/entries", tags=["time entries"])


@router.get("")
async def list_entries(
    ticket_id: uuid.UUID,
    operator: TicketWorker,
    session: Session,
    now: Now,
    query: Annotated[EntriesQuery, Query()],
) -> EntriesOut:
    ticket = await visible_ticket(session, operator, ticket_id)
    return await service.list_entries(
        session, operator=operator, item=ticket, zone=ZoneInfo(query.time_zone), now=now
    )


@router.post("", status_code=201)
async def book_entry(
    ticket_id: uuid.UUID, data: EntryIn, operator: TicketWorker, session: Session, now: Now
) -> EntryOut:
    ticket = await visible_ticket(session, operator, ticket_id, lock=True)
    booked = await service.book(session, operator=operator, item=ticket, data=data, now=now)
    await session.commit()
    return booked


@router.delete(
    "/{entry_id}",
    status_code=204,
    responses={409: problem("The entry is still running: stop its timer first.")},
)
async def delete_entry(
    ticket_id: uuid.UUID, entry_id: uuid.UUID, operator: TicketWorker, session: Session, now: Now
) -> None:
    """Their own entries, or anyone's with tickets_manage_time_entries; a running one is a 409."""
    ticket = await visible_ticket(session, operator, ticket_id, lock=True)
    await service.delete_entry(session, operator=operator, item=ticket, entry_id=entry_id, now=now)
    await session.commit()
