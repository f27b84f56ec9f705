"""One operator's stream: the ticket events they may see, from a sequence of the TICKET_EVENTS stream
on, with the presence on tickets they may see and their unread counter.

Memory per connection is bounded. Ticket events wait in a queue of `queue_size`; when it is full the
JetStream subscription waits too (nats-py answers the server's flow control only once what it
delivered was taken), so the backlog stays in the stream, not here. A client that leaves the queue
full for `behind_seconds` is too far behind to catch up: it is told to resync and disconnected.
Presence and the counter are state, not history: they are kept as the latest value per operator and
ticket (and one count), so a slow client holds at most the board's size of them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import Any

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy

from helpdesk_common.auth import Operator
from helpdesk_common.contracts.envelope import ContractViolation
from helpdesk_common.contracts.registry import parse_event
from helpdesk_common.contracts.tickets import (
    TICKET_EVENTS,
    TicketChangeData,
    TicketDeleted,
    TicketStatus,
)
from helpdesk_common.ticket_module import may_see
from notifier.live.frames import frame, ticket_event_data, unread_data
from notifier.live.presence import Presence, PresenceState
from notifier.live.projection import attention_of

log = logging.getLogger(__name__)

TICKET_STREAM = "TICKET_EVENTS"


class LiveConnection:
    def __init__(
        self,
        operator: Operator,
        *,
        unread: set[uuid.UUID],
        live_from: int,
        queue_size: int,
        behind_seconds: float,
    ) -> None:
        self.operator = operator
        self.unread = unread
        # Events before this sequence are a replay: the counter read from the database has them.
        self.live_from = live_from
        self.behind_seconds = behind_seconds
        self.events: asyncio.Queue[bytes] = asyncio.Queue(maxsize=queue_size)
        self.presence: dict[tuple[uuid.UUID, uuid.UUID], Presence] = {}
        self.unread_changed = True
        self.too_far_behind = False
        # Set whenever there is something to write, or a reason to stop.
        self.wake = asyncio.Event()
        # The tickets this operator has open (in any tab, on any replica): what arrives there is read.
        self._viewing: set[uuid.UUID] = set()
        self._subscription: Any = None

    async def follow(self, js: JetStreamContext, start_sequence: int) -> None:
        self._subscription = await js.subscribe(
            "ticket.>",
            stream=TICKET_STREAM,
            cb=self._on_message,
            ordered_consumer=True,
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
            config=ConsumerConfig(opt_start_seq=start_sequence),
        )

    async def close(self) -> None:
        if self._subscription is not None:
            subscription, self._subscription = self._subscription, None
            with contextlib.suppress(Exception):
                await subscription.unsubscribe()

    async def _on_message(self, msg: Msg) -> None:
        if self.too_far_behind:
            return
        sequence = msg.metadata.sequence.stream
        try:
            event = parse_event(msg.data)
        except ContractViolation as violation:
            log.warning("stream sequence %d is no event the stream can show: %s", sequence, violation)
            return
        if not isinstance(event, TICKET_EVENTS) or not self._sees(event):
            return
        try:
            async with asyncio.timeout(self.behind_seconds):
                await self.events.put(frame(event.type, ticket_event_data(event), event_id=sequence))
        except TimeoutError:
            self.too_far_behind = True
        else:
            if sequence >= self.live_from:
                self._count(event)
        self.wake.set()

    def _sees(self, event: Any) -> bool:
        """The ticket is in a department the operator sees, or it just left one (so it leaves the
        operator's queue too)."""
        if may_see(self.operator, event.data.ticket.department_id):
            return True
        if isinstance(event.data, TicketChangeData) and "department_id" in event.data.changes:
            return may_see(self.operator, _uuid_or_none(event.data.changes["department_id"].old))
        return False

    def _count(self, event: Any) -> None:
        ticket = event.data.ticket
        before = len(self.unread)
        gone = (
            isinstance(event, TicketDeleted)
            or ticket.status == TicketStatus.CLOSED
            or not may_see(self.operator, ticket.department_id)
        )
        attention = attention_of(event)
        if gone or ticket.id in self._viewing:
            self.unread.discard(ticket.id)
        elif attention is not None and attention[1] != self.operator.id:
            self.unread.add(ticket.id)
        if len(self.unread) != before:
            self.unread_changed = True

    def heard(self, presence: Presence) -> None:
        """A change on the presence board (PresenceBoard's listener)."""
        if presence.operator_id == self.operator.id:
            if presence.state == PresenceState.LEFT:
                self._viewing.discard(presence.ticket_id)
            else:
                self._viewing.add(presence.ticket_id)
                if presence.ticket_id in self.unread:
                    self.unread.discard(presence.ticket_id)
                    self.unread_changed = True
                    self.wake.set()
            return
        if may_see(self.operator, presence.department_id):
            self.presence[(presence.ticket_id, presence.operator_id)] = presence
            self.wake.set()

    def pending_state(self) -> list[bytes]:
        """The counter and presence changes not yet written, each once, in their latest state."""
        frames = []
        if self.unread_changed:
            self.unread_changed = False
            frames.append(frame("unread", unread_data(self.unread)))
        while self.presence:
            _, presence = self.presence.popitem()
            frames.append(frame("presence", presence_data(presence)))
        return frames


def presence_data(presence: Presence) -> dict[str, Any]:
    return {
        "ticket_id": str(presence.ticket_id),
        "operator_id": str(presence.operator_id),
        "username": presence.username,
        "state": presence.state.value,
    }


def _uuid_or_none(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value is not None else None
    except ValueError:
        return None
