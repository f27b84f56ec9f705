"""HTTP for tickets, addressed by number (e.g. TKT-000123)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from helpdesk_common.attachment_store import AttachmentStorage
from helpdesk_common.auth import Operator
from helpdesk_common.db import Session
from helpdesk_common.idempotency import IdempotencyKey
from ticketing.access import ticket_access
from ticketing.tickets.creation import create_from_api
from ticketing.tickets.history import HistoryEntry, history_of
from ticketing.tickets.path import NUMBER
from ticketing.tickets.queue import read_counts, read_queue
from ticketing.tickets.reading import find_ticket, read_ticket, unread_count
from ticketing.tickets.schemas import (
    BulkResult,
    CloseRequest,
    Numbers,
    Queue,
    QueueCounts,
    QueueQuery,
    TicketCreate,
    TicketOut,
    TicketUpdate,
)
from ticketing.tickets.service import (
    close_ticket,
    close_tickets,
    delete_tickets,
    open_ticket,
    update_ticket,
)

# At the root of the service: the gateway publishes it as /api/tickets and /api/tickets/{number}.
# A number matches only the shape of a ticket number (path.py), so main.py includes this router first.
router = APIRouter(tags=["tickets"])
Reader = Annotated[Operator, Depends(ticket_access())]
Creator = Annotated[Operator, Depends(ticket_access("tickets_create"))]
Editor = Annotated[Operator, Depends(ticket_access("tickets_edit"))]
Deleter = Annotated[Operator, Depends(ticket_access("tickets_delete"))]


@router.get("/")
async def queue(operator: Reader, session: Session, query: Annotated[QueueQuery, Query()]) -> Queue:
    return await read_queue(session, operator=operator, query=query)


@router.get("/counts")
async def queue_counts(
    operator: Reader, session: Session, query: Annotated[QueueQuery, Query()]
) -> QueueCounts:
    """The tabs' counts for the queue's filters and search, apart from its rows (a search that
    matches much of the queue is slower to count than to page)."""
    return QueueCounts(counts=await read_counts(session, operator=operator, query=query))


@router.post("/", status_code=201, response_model=TicketOut)
async def create(
    data: TicketCreate, operator: Creator, request: Request, idempotency_key: IdempotencyKey = None
) -> Response:
    # The hottest write takes no session (create_from_api takes its own driver connection), and its
    # answer, a TicketOut built and validated by create_ticket, is serialised once, not validated again.
    engine = request.app.state.runtime.engine
    answer = await create_from_api(engine, actor=operator, data=data, idempotency_key=idempotency_key)
    return answer.response()


@router.get("/unread-count")
async def unread(operator: Reader, session: Session) -> dict[str, int]:
    """Tickets the operator can see with activity since they last opened them (or never opened)."""
    return {"unread": await unread_count(session, operator)}


@router.post("/bulk-close")
async def bulk_close(data: Numbers, operator: Editor, session: Session) -> BulkResult:
    closed, missing = await close_tickets(session, operator=operator, numbers=data.numbers)
    await session.commit()
    return BulkResult(affected=closed, not_found=missing)


@router.post("/bulk-delete")
async def bulk_delete(data: Numbers, request: Request, operator: Deleter, session: Session) -> BulkResult:
    deleted, missing, files = await delete_tickets(session, operator=operator, numbers=data.numbers)
    await session.commit()
    await _remove_files(request, files)
    return BulkResult(affected=deleted, not_found=missing)


@router.get(f"/{NUMBER}")
async def read(number: str, operator: Reader, session: Session) -> TicketOut:
    return await read_ticket(session, operator, number)


@router.patch(f"/{NUMBER}")
async def edit(number: str, data: TicketUpdate, operator: Reader, session: Session) -> TicketOut:
    """The assignee needs tickets_assign, every other field tickets_edit (checked per field)."""
    changed = await update_ticket(session, operator=operator, number=number, data=data)
    await session.commit()
    return changed


@router.post(f"/{NUMBER}/close")
async def close(number: str, data: CloseRequest, operator: Editor, session: Session) -> TicketOut:
    closed = await close_ticket(session, operator=operator, number=number, comment=data.comment)
    await session.commit()
    return closed


@router.post(f"/{NUMBER}/open")
async def open_(number: str, operator: Reader, session: Session) -> TicketOut:
    opened = await open_ticket(session, operator=operator, number=number)
    await session.commit()
    return opened


@router.delete(f"/{NUMBER}", status_code=204)
async def remove(number: str, request: Request, operator: Deleter, session: Session) -> None:
    await find_ticket(session, operator, number)
    _, _, files = await delete_tickets(session, operator=operator, numbers=[number])
    await session.commit()
    await _remove_files(request, files)


@router.get(f"/{NUMBER}/history")
async def history(number: str, operator: Reader, session: Session) -> list[HistoryEntry]:
    row = await find_ticket(session, operator, number)
    return await history_of(session, row.id)


async def _remove_files(request: Request, files: list[str]) -> None:
    """After the commit: a failure here leaves an unreferenced object, never a reference to nothing."""
    storage: AttachmentStorage = request.app.state.attachments
    for name in files:
        await storage.delete(name)
