"""The sender loop (role `sender`): claims due messages, sends each through its department's SMTP
server and records what became of it.

Not sending twice. A message is claimed (`sending`, committed) before its server is reached, and
`handed_over_at` is committed just before DATA. Until then an interrupted attempt delivered nothing
and is tried again; from then on it may have delivered, so it is never sent again on its own. The
window left is from the DATA command to our commit after the server's 250: a crash there leaves the
message `failed` with words saying it may have arrived (never twice; at worst a message the server
did accept is reported as uncertain). It is kept small: the `sent` commit comes right after the 250,
before QUIT, and is retried in place while the database is away; QUIT's own fate is ignored."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from nats.aio.client import Client
from nats.js.errors import BucketNotFoundError, NotFoundError, ObjectNotFoundError
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from helpdesk_common.contracts.mail import OutboundAttachment, OutboundMail
from helpdesk_common.errors import HelpdeskError
from helpdesk_common.service import ServiceRuntime
from mail_gateway.config import MailGatewaySettings
from mail_gateway.connections import smtp
from mail_gateway.connections.endpoint import Endpoint, OAuthClient, ServerRefused
from mail_gateway.connections.oauth import AccessTokens
from mail_gateway.mailboxes.endpoints import department_smtp_endpoint
from mail_gateway.sending.consumers import queued
from mail_gateway.sending.message import build_message
from mail_gateway.sending.service import (
    NO_MAILBOX,
    UNCERTAIN,
    claim_due,
    hand_over,
    record_failed,
    record_refusal,
    record_sent,
    recover_abandoned,
)
from mail_gateway.tables.mailboxes import mailboxes

log = logging.getLogger(__name__)
TokenSource = Callable[[OAuthClient], Awaitable[str]]
EndpointSource = Callable[[AsyncSession, uuid.UUID, MailGatewaySettings], Awaitable[Endpoint | None]]
SENT_COMMIT_TRIES = 8


class LeaseLost(Exception):
    """Another sender took the message over; this attempt hands nothing to the server."""


class AttachmentMissing(Exception):
    pass


class Sender:
    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        settings: MailGatewaySettings,
        bus: Client | None,
        tokens: TokenSource | None = None,
        endpoints: EndpointSource = department_smtp_endpoint,
        holder: str | None = None,
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.bus = bus
        self.tokens = tokens or AccessTokens().token
        self.endpoints = endpoints
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                async with self.sessions() as session, session.begin():
                    await recover_abandoned(session)
                busy = await self.send_due()
            except Exception:
                log.exception("the sender's round failed; trying again")
                busy = 0
            if not busy:
                await _woken(stop, self.settings.send_poll_seconds)

    async def send_due(self) -> int:
        """One batch of due messages, sent side by side; how many were claimed."""
        async with self.sessions() as session, session.begin():
            claimed = await claim_due(
                session,
                holder=self.holder,
                lease_seconds=self.settings.send_lease_seconds,
                limit=self.settings.send_batch_size,
            )
        await asyncio.gather(*(self._attempt(message) for message in claimed))
        return len(claimed)

    async def _attempt(self, message: Row[Any]) -> None:
        try:
            await self._deliver(message)
        except Exception:
            # Left `sending`: its lease runs out and the takeover decides by handed_over_at.
            log.exception("sending %s failed unexpectedly", message.message_id)

    async def _deliver(self, message: Row[Any]) -> None:
        mail = OutboundMail.model_validate(message.request)
        try:
            async with self.sessions() as session:
                endpoint = await self.endpoints(session, mail.department_id, self.settings)
                identity = await _from(session, mail.department_id)
        except HelpdeskError as error:
            await self._refused(message, str(error), permanent=False)
            return
        if endpoint is None or identity is None:
            await self._finish(record_failed, message, words=NO_MAILBOX)
            return
        try:
            attachments = await self._attachments(mail)
        except AttachmentMissing as error:
            await self._finish(record_failed, message, words=str(error))
            return
        except Exception as error:
            await self._refused(message, f"the attachment store is not reachable: {error!r}", permanent=False)
            return
        from_address, from_name = identity
        outgoing = smtp.Outgoing(
            sender=from_address,
            recipients=list(mail.to),
            message=build_message(
                mail, from_address=from_address, from_name=from_name, attachments=attachments
            ).as_bytes(),
        )
        handed_over = False

        async def before_data() -> None:
            nonlocal handed_over
            async with self.sessions() as session, session.begin():
                if not await hand_over(session, message=message.id, holder=self.holder):
                    raise LeaseLost()
            handed_over = True

        try:
            async with asyncio.timeout(self.settings.send_attempt_seconds):
                token = (
                    await self.tokens(endpoint.oauth)
                    if endpoint.auth == "oauth2" and endpoint.oauth
                    else None
                )
                words = await smtp.send(
                    endpoint,
                    outgoing,
                    command_seconds=self.settings.smtp_timeout_seconds,
                    access_token=token,
                    before_data=before_data,
                )
        except LeaseLost:
            log.warning("%s was taken over by another sender; not sent by this one", mail.message_id)
            return
        except smtp.HandedOverUnanswered as error:
            await self._finish(record_failed, message, words=f"{UNCERTAIN} ({error.words})")
            return
        except smtp.SmtpRefused as error:
            await self._refused(message, f"{error.stage}: {error.words}", permanent=error.permanent)
            return
        except (ServerRefused, TimeoutError) as error:
            if handed_over:
                await self._finish(record_failed, message, words=f"{UNCERTAIN} (timed out)")
            else:
                await self._refused(message, _words(error), permanent=False)
            return
        await self._sent(message, words)

    async def _sent(self, message: Row[Any], words: str) -> None:
        """The 250 is in hand: recorded now, and tried again while the database is away, since a
        takeover would otherwise have to call this message uncertain."""
        for attempt in range(SENT_COMMIT_TRIES):
            try:
                await self._finish(record_sent, message, words=words)
                return
            except Exception:
                if attempt == SENT_COMMIT_TRIES - 1:
                    raise
                log.warning("could not record %s as sent yet; trying again", message.message_id)
                await asyncio.sleep(0.25 * 2**attempt)

    async def _refused(self, message: Row[Any], words: str, *, permanent: bool) -> None:
        async with self.sessions() as session, session.begin():
            await record_refusal(
                session,
                message=message,
                holder=self.holder,
                words=words,
                permanent=permanent,
                settings=self.settings,
                now=datetime.now(UTC),
            )

    async def _finish(self, change: Callable[..., Awaitable[None]], message: Row[Any], *, words: str) -> None:
        async with self.sessions() as session, session.begin():
            await change(session, message=message.id, holder=self.holder, words=words)

    async def _attachments(self, mail: OutboundMail) -> list[tuple[OutboundAttachment, bytes]]:
        if not mail.attachments:
            return []
        if self.bus is None:
            raise ConnectionError("no connection to the attachment store")
        js = self.bus.jetstream()
        try:
            store = await js.object_store(self.settings.attachments_bucket)
        except (BucketNotFoundError, NotFoundError) as error:
            raise AttachmentMissing(
                f"the attachments bucket {self.settings.attachments_bucket} does not exist"
            ) from error
        found = []
        for attachment in mail.attachments:
            try:
                result = await store.get(attachment.object_name)
            except (ObjectNotFoundError, NotFoundError) as error:
                raise AttachmentMissing(f"the attachment {attachment.name} is no longer stored") from error
            found.append((attachment, result.data or b""))
        return found


async def _from(session: AsyncSession, department_id: uuid.UUID) -> tuple[str, str] | None:
    row = (
        await session.execute(
            mailboxes.select()
            .with_only_columns(mailboxes.c.from_address, mailboxes.c.from_name)
            .where(mailboxes.c.department_id == department_id)
        )
    ).first()
    if row is None or not row.from_address:
        return None
    return row.from_address, row.from_name


def _words(error: BaseException) -> str:
    if isinstance(error, ServerRefused):
        return f"{error.stage}: {error.words}"
    return f"the attempt took longer than its limit ({type(error).__name__})"


async def _woken(stop: asyncio.Event, seconds: float) -> None:
    waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(queued.wait())]
    await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    for wait in waits:
        wait.cancel()
    queued.clear()


async def send_mail(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    """The sender role's task."""
    settings = runtime.settings
    assert isinstance(settings, MailGatewaySettings)
    await Sender(sessions=runtime.session_factory, settings=settings, bus=runtime.bus).run(stop)
