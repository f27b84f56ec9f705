"""HTTP for the operator directory (tickets_enabled): the Assigned To dropdowns of the ticket dialog
(tickets_assign) and of New Ticket (tickets_create), the queue's Assigned To filter (every module
user) and a department's Members picker (tickets_manage_departments). The filter is the widest of
the four and is open to every module user, so the module's own flag is the narrowest that serves all."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from helpdesk_common.auth import Operator
from helpdesk_common.db import Session
from helpdesk_common.inputs import QueryText
from ticketing.access import ticket_access
from ticketing.operators.schemas import DirectoryEntry
from ticketing.operators.service import list_directory

router = APIRouter(prefix="/operators", tags=["operators"])
Reader = Annotated[Operator, Depends(ticket_access())]


@router.get("")
async def directory(
    operator: Reader,
    session: Session,
    search: Annotated[QueryText, Query(max_length=200, description="In username and display name.")] = None,
    include_inactive: Annotated[
        bool,
        Query(description="Disabled operators too (the queue's filter: tickets they still hold)."),
    ] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[DirectoryEntry]:
    """Active operators by default: a disabled one can no longer sign in to work a ticket."""
    return await list_directory(session, search=search, include_inactive=include_inactive, limit=limit)
