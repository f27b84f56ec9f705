"""The live updates of one api process: its NATS connection (made on first use: the api role has none
of its own, helpdesk_common.service), the presence board fed from every replica, and the streams open
here."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

import nats.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.errors import NotFoundError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from helpdesk_common.auth import Operator
from helpdesk_common.bus.connection import connect
from helpdesk_common.errors import HelpdeskError
from helpdesk_common.periodic import sleep_unless_stopped
from notifier.live.config import LiveSettings
from notifier.live.connection import TICKET_STREAM, LiveConnection
from notifier.live.presence import PRESENCE_SUBJECT, Presence, PresenceBoard, parse_presence
from notifier.live.unread import unread_ticket_ids

log = logging.getLogger(__name__)


# A request waits this long for NATS before it is answered 503: the api role serves without NATS
# otherwise, and a browser's EventSource must not hang on a request that cannot be served.
CONNECT_SECONDS = 5.0


class LiveUnavailable(HelpdeskError):
    status_code = 503
    problem_type = "urn:helpdesk:problem:live-unavailable"
    title = "Live updates unavailable"


@dataclass(frozen=True)
class Opened:
    connection: LiveConnection
    # The Last-Event-ID named events the stream no longer has (or never had): the client must reload.
    resync: bool


class LiveHub:
    def __init__(
        self, settings: LiveSettings, *, nats_url: str, sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        self.settings = settings
        self.board = PresenceBoard()
        self.connections: set[LiveConnection] = set()
        self._nats_url = nats_url
        self._sessions = sessions
        self._client: Client | None = None
        self._starting = asyncio.Lock()
        self._stop = asyncio.Event()
        self._lapsing: asyncio.Task[None] | None = None
        self.board.listeners.append(self._tell_connections)

    async def bus(self) -> Client:
        async with self._starting:
            if self._client is None:
                try:
                    client = await asyncio.wait_for(
                        connect(self._nats_url, name="notifier-live"), CONNECT_SECONDS
                    )
                except (TimeoutError, OSError, nats.errors.Error) as error:
                    raise LiveUnavailable(
                        "Live updates cannot reach the message bus; the queue refreshes on its own.",
                        headers={"Retry-After": "5"},
                    ) from error
                await client.subscribe(PRESENCE_SUBJECT, cb=self._on_presence)
                self._lapsing = asyncio.create_task(self._lapse(), name="live-presence-lapse")
                self._client = client
            return self._client

    async def close(self) -> None:
        self._stop.set()
        if self._lapsing is not None:
            await self._lapsing
        for connection in list(self.connections):
            await connection.close()
        if self._client is not None:
            await self._client.close()
            self._client = None

    async def open(self, operator: Operator, last_event_id: int | None) -> Opened:
        """A stream from just after `last_event_id`, or from now on without one."""
        client = await self.bus()
        js = client.jetstream()
        try:
            state = (await js.stream_info(TICKET_STREAM)).state
            first, last = state.first_seq, state.last_seq
        except NotFoundError:
            first, last = 1, 0
        # An id beyond the stream's end is from a stream since recreated; one before its start names
        # events it has dropped (older than the stream keeps). Either way what lies between is lost.
        resync = last_event_id is not None and (last_event_id > last or last_event_id + 1 < first)
        start = last + 1 if last_event_id is None or resync else last_event_id + 1
        async with self._sessions() as session:
            unread = await unread_ticket_ids(session, operator)
        connection = LiveConnection(
            operator,
            unread=unread,
            live_from=last + 1,
            queue_size=self.settings.live_queue_size,
            behind_seconds=self.settings.live_behind_seconds,
        )
        for presence in self.board.present():
            connection.heard(presence)
        self.connections.add(connection)
        try:
            await connection.follow(js, start)
        except BaseException:
            self.connections.discard(connection)
            raise
        return Opened(connection, resync)

    async def closed(self, connection: LiveConnection) -> None:
        self.connections.discard(connection)
        await connection.close()

    async def announce(self, presence: Presence) -> None:
        """To every replica, this one included (it hears its own subscription)."""
        client = await self.bus()
        await client.publish(PRESENCE_SUBJECT, presence.model_dump_json().encode())
        with contextlib.suppress(Exception):
            await client.flush(timeout=2)

    async def _on_presence(self, msg: Msg) -> None:
        presence = parse_presence(msg.data)
        if presence is not None:
            self.board.heard(presence)

    def _tell_connections(self, presence: Presence) -> None:
        for connection in list(self.connections):
            connection.heard(presence)

    async def _lapse(self) -> None:
        while not await sleep_unless_stopped(self._stop, 1.0):
            self.board.lapse()
