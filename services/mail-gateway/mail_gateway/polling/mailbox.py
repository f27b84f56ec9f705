"""One mailbox's polling, while its poller holds the lease: connect, bring new messages into the raw
store with the cursor, flag them on the server once their events are in JetStream, then IDLE (or
sleep where the server has no IDLE) until there is more. A failure is written to the mailbox's
health and tried again after a growing delay; it concerns this mailbox only."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from helpdesk_common.periodic import sleep_unless_stopped
from helpdesk_common.secrets import SecretBox
from mail_gateway.config import MailGatewaySettings
from mail_gateway.connections.endpoint import ServerRefused
from mail_gateway.connections.imap import IMPORTED_KEYWORD, FolderState, ImapConnection, Message
from mail_gateway.connections.oauth import AccessTokens
from mail_gateway.inbound.store import scan_message_id
from mail_gateway.mailboxes.endpoints import imap_endpoint
from mail_gateway.polling import health, intake
from mail_gateway.polling.lease import LeaseLost

log = logging.getLogger(__name__)

_ROW = text("SELECT * FROM mailboxes WHERE department_id = :department_id AND lease_holder = :holder")
_CHANGED = text(
    "SELECT updated_at FROM mailboxes WHERE department_id = :department_id AND lease_holder = :holder"
)
# How long a round waits for the relay to publish what it stored before it flags, and how soon the
# next round comes while flags are still owed.
_DRAIN_WAIT_SECONDS = 5.0
_OWED_FLAGS_RETRY_SECONDS = 2.0
_DRAIN_POLL_SECONDS = 0.05
# UIDs per SEARCH/FETCH of sizes or Message-IDs, to keep command lines short.
_UIDS_PER_COMMAND = 1000


@dataclass
class PollerContext:
    """What every mailbox of one poller shares."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    settings: MailGatewaySettings
    holder: str
    tokens: AccessTokens = field(default_factory=AccessTokens)


class MailboxWorker:
    def __init__(self, context: PollerContext, department_id: uuid.UUID) -> None:
        self.context = context
        self.department_id = department_id
        self.failures = 0
        # Stored but not yet flagged: (outbox watermark of the commit, highest UID it covered).
        self._owed: list[tuple[int, int]] = []
        self._flagged_up_to = 0
        # Found above the cursor and not yet stored, in the round under way.
        self._waiting: int | None = None

    @property
    def _settings(self) -> MailGatewaySettings:
        return self.context.settings

    async def run(self, stop: asyncio.Event) -> None:
        """Until the process stops or the lease is lost (the poller cancels the task then)."""
        owed_known = False
        while not stop.is_set():
            try:
                if not owed_known:
                    await self._owe_what_the_cursor_covers()
                    owed_known = True
                await self._connected(stop)
                continue
            except LeaseLost:
                return
            except ServerRefused as refused:
                error: Exception = refused
            except Exception as unexpected:
                log.exception("mailbox %s: polling failed", self.department_id)
                error = unexpected
            self.failures += 1
            await self._record_failure(error, self._waiting)
            delay = min(
                self._settings.mail_backoff_base_seconds * 2 ** (self.failures - 1),
                self._settings.mail_backoff_max_seconds,
            )
            log.info("mailbox %s: %s; next try in %.0f s", self.department_id, health.describe(error), delay)
            await sleep_unless_stopped(stop, delay)

    async def _owe_what_the_cursor_covers(self) -> None:
        """A new holder does not know which stored messages its predecessor flagged: every one up to
        the cursor is flagged once the outbox is published up to now."""
        current = await intake.cursor(
            self.context.engine, department_id=self.department_id, holder=self.context.holder
        )
        if current.last_uid:
            self._owed.append((await intake.outbox_watermark(self.context.engine), current.last_uid))

    async def _connected(self, stop: asyncio.Event) -> None:
        """One connection's life: rounds until the settings change (then a new connection) or stop."""
        row = await self._row()
        endpoint = imap_endpoint(
            row, SecretBox(self._settings.secret_key), self._settings, self.context.engine
        )
        if endpoint is None:
            raise LeaseLost(str(self.department_id))
        connection = await ImapConnection.open(
            endpoint, tokens=self.context.tokens, timeout_seconds=self._settings.mail_imap_timeout_seconds
        )
        try:
            while not stop.is_set():
                await self._round(connection, row.imap_folder)
                self.failures = 0
                await self._wait(connection, stop)
                if await self._changed_since(row.updated_at):
                    return
        finally:
            await connection.close()

    async def _round(self, connection: ImapConnection, folder: str) -> None:
        context = self.context
        state = await connection.select(folder)
        current = await intake.cursor(context.engine, department_id=self.department_id, holder=context.holder)
        resync = current.uidvalidity != state.uidvalidity
        if resync:
            candidates, end = await self._resync_candidates(connection, state, current)
        else:
            candidates, end = await connection.uids_above(current.last_uid), None
        self._waiting = len(candidates)
        async for batch, fetched in _fetched_ahead(connection, await self._batches(connection, candidates)):
            stored = await intake.store_batch(
                context.sessions,
                department_id=self.department_id,
                holder=context.holder,
                uidvalidity=state.uidvalidity,
                messages=fetched,
                last_uid=max(batch),
            )
            del fetched
            self._owed.append((stored.watermark, max(batch)))
            self._waiting -= len(batch)
        if end is not None:
            watermark = await intake.advance(
                context.sessions,
                department_id=self.department_id,
                holder=context.holder,
                uidvalidity=state.uidvalidity,
                last_uid=end,
            )
            if end:
                self._owed.append((watermark, end))
        await self._flag_published(connection, wait_seconds=_DRAIN_WAIT_SECONDS)
        await health.succeeded(
            context.engine, department_id=self.department_id, holder=context.holder, waiting=self._waiting
        )

    async def _resync_candidates(
        self, connection: ImapConnection, state: FolderState, current: intake.Cursor
    ) -> tuple[list[int], int]:
        """A folder seen for the first time or whose UIDVALIDITY changed: its UIDs mean nothing any
        more, so every message is matched by Message-ID against what the department holds and only
        the unknown ones are imported. The cursor ends at the folder's highest UID."""
        if current.uidvalidity is not None:
            log.warning(
                "mailbox %s: UIDVALIDITY changed from %s to %s; re-syncing by Message-ID",
                self.department_id,
                current.uidvalidity,
                state.uidvalidity,
            )
        # Flags owed under the old UIDVALIDITY name messages that no longer have those UIDs.
        self._owed.clear()
        self._flagged_up_to = 0
        every = await connection.uids_above(0)
        if not every:
            return [], 0
        found: dict[int, str | None] = {uid: None for uid in every}
        for chunk in _chunks(every, _UIDS_PER_COMMAND):
            for message in await connection.headers(chunk, "MESSAGE-ID"):
                found[message.uid] = scan_message_id(message.raw)
        async with self.context.sessions() as session:
            known = await intake.stored_message_ids(
                session,
                department_id=self.department_id,
                message_ids=[message_id for message_id in found.values() if message_id],
            )
        return [uid for uid, message_id in found.items() if message_id not in known], max(every)

    async def _batches(self, connection: ImapConnection, uids: list[int]) -> list[list[int]]:
        """Consecutive UIDs grouped up to the batch limits; a message larger than the byte limit comes
        alone, so at most one large message is in memory at a time."""
        settings = self._settings
        sizes: dict[int, int] = {}
        for chunk in _chunks(uids, _UIDS_PER_COMMAND):
            sizes.update(await connection.sizes(chunk))
        batches: list[list[int]] = []
        batch: list[int] = []
        batch_bytes = 0
        # A message deleted between SEARCH and FETCH has no size and is passed over.
        for uid in (uid for uid in uids if uid in sizes):
            size = sizes[uid]
            if batch and (
                batch_bytes + size > settings.mail_fetch_batch_bytes
                or len(batch) >= settings.mail_fetch_batch_messages
            ):
                batches.append(batch)
                batch, batch_bytes = [], 0
            batch.append(uid)
            batch_bytes += size
        if batch:
            batches.append(batch)
        return batches

    async def _flag_published(self, connection: ImapConnection, *, wait_seconds: float) -> None:
        """\\Seen and our keyword on what was stored, once its events are in JetStream (the outbox is
        published past the commit's watermark): never before, so a crash in between leaves the
        message unflagged and the successor flags it."""
        if not self._owed:
            return
        engine = self.context.engine
        highest = self._owed[-1][0]
        for _ in range(int(wait_seconds / _DRAIN_POLL_SECONDS)):
            if await intake.published_up_to(engine, highest):
                break
            await asyncio.sleep(_DRAIN_POLL_SECONDS)
        published = []
        for watermark, last_uid in self._owed:
            if not await intake.published_up_to(engine, watermark):
                break
            published.append(last_uid)
        if not published:
            return
        up_to = max(published)
        del self._owed[: len(published)]
        if up_to <= self._flagged_up_to:
            return
        unflagged = [
            uid
            for uid in await connection.uids(
                f"UID {self._flagged_up_to + 1}:{up_to} UNKEYWORD {IMPORTED_KEYWORD}"
            )
            if self._flagged_up_to < uid <= up_to
        ]
        for chunk in _chunks(unflagged, _UIDS_PER_COMMAND):
            await connection.add_flags(chunk, f"\\Seen {IMPORTED_KEYWORD}")
        self._flagged_up_to = up_to

    async def _wait(self, connection: ImapConnection, stop: asyncio.Event) -> None:
        """Until there may be news: IDLE where offered, else the poll interval; soon while flags are
        owed."""
        seconds = _OWED_FLAGS_RETRY_SECONDS if self._owed else None
        if connection.offers_idle:
            await connection.wait_for_news(seconds or self._settings.mail_idle_seconds, stop)
        else:
            await sleep_unless_stopped(stop, seconds or self._settings.mail_poll_interval_seconds)

    async def _row(self) -> Any:
        async with self.context.engine.connect() as connection:
            row = (
                await connection.execute(
                    _ROW, {"department_id": self.department_id, "holder": self.context.holder}
                )
            ).first()
        if row is None:
            raise LeaseLost(str(self.department_id))
        return row

    async def _changed_since(self, updated_at: object) -> bool:
        async with self.context.engine.connect() as connection:
            row = (
                await connection.execute(
                    _CHANGED, {"department_id": self.department_id, "holder": self.context.holder}
                )
            ).first()
        if row is None:
            raise LeaseLost(str(self.department_id))
        return bool(row.updated_at != updated_at)

    async def _record_failure(self, error: BaseException, waiting: int | None) -> None:
        try:
            await health.failed(
                self.context.engine,
                department_id=self.department_id,
                holder=self.context.holder,
                error=error,
                waiting=waiting,
            )
        except Exception:
            log.exception("mailbox %s: its health could not be written", self.department_id)


async def _fetched_ahead(
    connection: ImapConnection, batches: list[list[int]]
) -> AsyncIterator[tuple[list[int], list[Message]]]:
    """Each batch with its messages, the next one fetched while the caller stores this one, since
    fetching and storing each wait on a different server (`make bench-mail`). A batch of one message
    (it may be a large one) is neither fetched ahead nor behind, so memory stays at two batches' bytes
    or one large message."""
    ahead: asyncio.Task[list[Message]] | None = None
    try:
        for index, batch in enumerate(batches):
            fetched = await ahead if ahead is not None else await connection.fetch(batch)
            ahead = None
            following = batches[index + 1] if index + 1 < len(batches) else None
            if following is not None and len(batch) > 1 and len(following) > 1:
                ahead = asyncio.create_task(connection.fetch(following))
            yield batch, fetched
            del fetched
    finally:
        if ahead is not None:
            # Not awaited: a cancellation of the round itself must reach the round.
            ahead.cancel()
            ahead.add_done_callback(_forget)


def _forget(task: asyncio.Task[list[Message]]) -> None:
    if not task.cancelled():
        task.exception()


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
