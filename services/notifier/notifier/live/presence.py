"""Who has a ticket open and who is writing a reply on it (Zammad's live users), across every api
process of the notifier: each announcement goes out on NATS core pub/sub, every process (the sender
too) keeps the board of what it heard, and an announcement not renewed within its TTL lapses, so a
closed laptop does not stay "viewing" for ever. A process that starts late knows each presence from
its next heartbeat on."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

log = logging.getLogger(__name__)

PRESENCE_SUBJECT = "notifier.live.presence"


class PresenceState(StrEnum):
    VIEWING = "viewing"
    COMPOSING = "composing"
    LEFT = "left"


class Presence(BaseModel):
    """One operator on one ticket, as announced (and as sent on the stream)."""

    model_config = ConfigDict(frozen=True)

    ticket_id: uuid.UUID
    department_id: uuid.UUID | None
    operator_id: uuid.UUID
    username: str
    state: PresenceState
    ttl_seconds: float


Listener = Callable[[Presence], None]


class PresenceBoard:
    """What this process heard: per ticket, per operator, the state and when it lapses. Listeners
    hear each change (someone arrived, started or stopped writing, left or lapsed), not heartbeats."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._board: dict[uuid.UUID, dict[uuid.UUID, tuple[Presence, float]]] = {}
        self.listeners: list[Listener] = []

    def heard(self, presence: Presence) -> None:
        on_ticket = self._board.setdefault(presence.ticket_id, {})
        before = on_ticket.get(presence.operator_id)
        if presence.state == PresenceState.LEFT:
            on_ticket.pop(presence.operator_id, None)
            if not on_ticket:
                del self._board[presence.ticket_id]
            if before is not None:
                self._tell(presence)
            return
        on_ticket[presence.operator_id] = (presence, self._clock() + presence.ttl_seconds)
        if before is None or before[0].state != presence.state:
            self._tell(presence)

    def lapse(self) -> None:
        """Drop and announce as left whatever was not renewed in time."""
        now = self._clock()
        for ticket_id, on_ticket in list(self._board.items()):
            for operator_id, (presence, lapses_at) in list(on_ticket.items()):
                if lapses_at <= now:
                    del on_ticket[operator_id]
                    self._tell(presence.model_copy(update={"state": PresenceState.LEFT}))
            if not on_ticket:
                del self._board[ticket_id]

    def present(self) -> list[Presence]:
        return [presence for on_ticket in self._board.values() for presence, _ in on_ticket.values()]

    def _tell(self, presence: Presence) -> None:
        for listener in list(self.listeners):
            try:
                listener(presence)
            except Exception:
                log.exception("a presence listener failed")


def parse_presence(payload: bytes) -> Presence | None:
    try:
        return Presence.model_validate_json(payload)
    except ValueError:
        log.warning("an announcement on %s that is no presence was ignored", PRESENCE_SUBJECT)
        return None
