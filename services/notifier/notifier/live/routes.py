"""HTTP for live updates: the operator's event stream, presence on a ticket, the unread counter. Each
is behind the Ticket System's gate (`tickets_enabled`, the flag the ticket queue itself needs, and the
module switch) and needs no flag of its own; what the stream shows is limited to the tickets the
operator may see."""

from __future__ import annotations

import uuid
from typing import Annotated, cast

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.auth import Operator
from helpdesk_common.errors import NotFound, ValidationFailed
from helpdesk_common.service import ServiceRuntime
from helpdesk_common.ticket_module import may_see, module_access
from notifier.live.config import LiveSettings
from notifier.live.frames import frame
from notifier.live.hub import LiveHub
from notifier.live.presence import Presence, PresenceState
from notifier.live.schemas import PresenceIn, PresenceOut, UnreadOut
from notifier.live.stream import EventStream
from notifier.live.unread import mark_read, ticket_department, unread_ticket_ids
from notifier.tables import module_switch

router = APIRouter(prefix="/live", tags=["live"])
LiveOperator = Annotated[Operator, Depends(module_access(module_switch.c.ticket_system_enabled))]


class TicketUnknown(NotFound):
    pass


def install(app: FastAPI, runtime: ServiceRuntime) -> None:
    settings = cast(LiveSettings, runtime.settings)
    app.state.live_hub = LiveHub(
        settings, nats_url=runtime.settings.nats_url, sessions=runtime.session_factory
    )
    app.include_router(router)


def _hub(request: Request) -> LiveHub:
    hub: LiveHub = request.app.state.live_hub
    return hub


@router.get(
    "",
    summary="The operator's live updates (text/event-stream)",
    response_class=Response,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def live_stream(request: Request, operator: LiveOperator) -> EventStream:
    """Events `ticket_created`, `ticket_updated`, `ticket_assigned`, `ticket_closed`,
    `ticket_deleted`, `comment_added` (with the comment's direction), `sla_warning`, `sla_breached`,
    `auto_closed` on tickets the operator may see, each with its id; `unread` (the counter),
    `presence` (another operator viewing, composing or gone from a ticket) and `resync` (reload
    everything: the events since Last-Event-ID are gone, or the client fell too far behind). Send the
    last id seen as `Last-Event-ID` to resume without gaps."""
    hub = _hub(request)
    opened = await hub.open(operator, _last_event_id(request))
    first = [frame("resync", {"reason": "events_lost"})] if opened.resync else []
    return EventStream(hub, opened.connection, first, hub.settings)


@router.post("/presence", response_model=PresenceOut, summary="Viewing, composing on, or leaving a ticket")
async def announce_presence(request: Request, body: PresenceIn, operator: LiveOperator) -> PresenceOut:
    hub = _hub(request)
    sessions = request.app.state.session_factory
    async with sessions() as session:
        department_id = await _visible_department(session, operator, body)
        # Having a ticket open reads it, up to its last activity; leaving reads what came meanwhile.
        await mark_read(session, operator.id, body.ticket_id)
        await session.commit()
    ttl = hub.settings.live_presence_ttl_seconds
    await hub.announce(
        Presence(
            ticket_id=body.ticket_id,
            department_id=department_id,
            operator_id=operator.id,
            username=operator.username,
            state=body.state,
            ttl_seconds=ttl,
        )
    )
    return PresenceOut(ttl_seconds=ttl if body.state != PresenceState.LEFT else 0)


@router.get("/unread", response_model=UnreadOut, summary="The unread counter")
async def unread(request: Request, operator: LiveOperator) -> UnreadOut:
    async with request.app.state.session_factory() as session:
        return UnreadOut(count=len(await unread_ticket_ids(session, operator)))


async def _visible_department(
    session: AsyncSession, operator: Operator, body: PresenceIn
) -> uuid.UUID | None:
    """404 for a ticket the operator may not see, as for one that does not exist."""
    known, department_id = await ticket_department(session, body.ticket_id)
    if not known or not may_see(operator, department_id):
        raise TicketUnknown(f"The ticket {body.ticket_id} does not exist.")
    return department_id


def _last_event_id(request: Request) -> int | None:
    value = request.headers.get("last-event-id", "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise ValidationFailed("Last-Event-ID", "Last-Event-ID must be an event id this stream sent.")
    return int(value)
