"""The parser role (`helpdesk run mail-gateway --role parser`): every stored message parsed once, its
attachments put in the object store ticketing reads, `mail_inbound_received` written to the outbox and
the row marked parsed, all in the inbox's transaction. Parser processes share one durable consumer, so
replicas split the work.

A message we sent ourselves that came back into a mailbox (its Message-ID is one of our outbound
messages: a notification or auto-reply sent to a department's own address, a reply copied to it) is
kept and marked parsed but not passed to ticketing: threaded onto its ticket by the number in its
subject it would add a comment, whose notification would come back again, for ever.

A message the parser cannot read is kept whole, marked failed with the reason in words, and
dead-lettered in the same transaction; the event counts as handled, so the next message goes on.
Anything else that fails (the database, the object store) is retried like any consumer's failure.
"""

from __future__ import annotations

import io
import logging
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.attachment_store import AttachmentStorage
from helpdesk_common.bus.consumer import EventConsumer
from helpdesk_common.bus.dead_letters import dead_letter_here
from helpdesk_common.bus.topology import ConsumerSpec, declare_consumer
from helpdesk_common.contracts.mail import MailInboundReceived, MailStored
from helpdesk_common.files import DEFAULT_BLOCKED_EXTENSIONS
from helpdesk_common.outbox import add_events
from mail_gateway.config import MailGatewaySettings
from mail_gateway.parsing.parser import ParsedMail, ParseError, ParseLimits, parse_message
from mail_gateway.tables.inbound import inbound_messages
from mail_gateway.tables.mailboxes import module_settings
from mail_gateway.tables.outbound import outbound_messages

log = logging.getLogger(__name__)

parser_consumer = EventConsumer(
    declare_consumer(
        ConsumerSpec(
            durable="mail-gateway-parser",
            stream="MAIL",
            filter_subject="mail.stored.>",
            # A large message is parsed and its attachments stored before the batch commits.
            ack_wait_seconds=120.0,
            description="Stored raw messages, parsed into mail_inbound_received.",
        )
    )
)


class ParserContext:
    """What the handler needs beyond its session: the limits and the object store."""

    def __init__(self, settings: MailGatewaySettings) -> None:
        self.limits = ParseLimits(
            max_message_bytes=settings.mail_max_message_bytes,
            max_attachment_bytes=settings.mail_max_attachment_bytes,
            max_attachments=settings.mail_max_attachments,
        )
        # How much raw mail one run of events reads from the database at a time.
        self.read_bytes = settings.mail_fetch_batch_bytes
        self.storage = AttachmentStorage(
            settings.nats_url, settings.attachments_bucket, replicas=settings.nats_stream_replicas
        )


class UnreadableInRun(Exception):
    """A message of a run cannot be parsed: the run goes back to be applied one event at a time."""


_context: ParserContext | None = None


def use_settings(settings: MailGatewaySettings) -> ParserContext:
    global _context
    _context = ParserContext(settings)
    return _context


def context() -> ParserContext:
    """The process's context, from its HELPDESK_* settings unless `use_settings` chose others."""
    return _context or use_settings(MailGatewaySettings())


@parser_consumer.on_batch(MailStored)
async def on_mail_stored(session: AsyncSession, events: list[MailStored]) -> None:
    # A run of events in one pass: a few statements for all of them (`make bench-mail`).
    await parse_stored(session, [event.data.inbound_message_id for event in events], context())


async def parse_stored(session: AsyncSession, row_ids: list[uuid.UUID], parser: ParserContext) -> None:
    """Each stored message parsed, in the order given; one already parsed or failed (an older event
    of the row) is passed over. The raw bytes are read in parts of bounded size."""
    locked = await session.execute(
        select(
            inbound_messages.c.id,
            inbound_messages.c.state,
            inbound_messages.c.size,
            inbound_messages.c.message_id,
        )
        .where(inbound_messages.c.id.in_(row_ids))
        # One order for every parser process, so two locking overlapping runs cannot deadlock.
        .order_by(inbound_messages.c.id)
        .with_for_update()
    )
    found = {row.id: row for row in locked}
    for row_id in row_ids:
        if row_id not in found:
            log.warning("stored message %s is gone; nothing to parse", row_id)
    due = list(
        dict.fromkeys(row_id for row_id in row_ids if row_id in found and found[row_id].state == "stored")
    )
    if not due:
        return
    parsed = await _our_own(session, [found[row_id] for row_id in due])
    due = [row_id for row_id in due if row_id not in parsed]
    blocked = await blocked_extensions(session)
    received: list[MailInboundReceived] = []
    for part in _parts(due, {row_id: found[row_id].size for row_id in due}, parser.read_bytes):
        for row_id, department_id, raw in await _raw(session, part):
            try:
                mail = parse_message(raw, blocked_extensions=blocked, limits=parser.limits)
            except Exception as error:
                if len(row_ids) > 1:
                    # Dead-lettered alone: the run is applied again event by event (bus/inbox.py).
                    raise UnreadableInRun(row_id) from error
                await _failed(session, row_id, reason=_words(error))
                continue
            if mail.bounce is not None:
                # Ticketing keeps a note of a bounce, never its files.
                mail = replace(mail, attachments=[])
            object_names = await _store_attachments(parser.storage, row_id, mail)
            received.append(
                MailInboundReceived.build(
                    source="mail-gateway", subject=str(row_id), data=mail.inbound(department_id, object_names)
                )
            )
            parsed.append(row_id)
    await add_events(session, received)
    if parsed:
        await session.execute(
            update(inbound_messages)
            .where(inbound_messages.c.id.in_(parsed))
            .values(
                state="parsed",
                error=None,
                parsed_at=datetime.now(UTC),
                parse_attempts=inbound_messages.c.parse_attempts + 1,
            )
        )


async def _our_own(session: AsyncSession, rows: list[Any]) -> list[uuid.UUID]:
    """The rows whose Message-ID (the store's scan of the header) is one we sent."""
    message_ids = {row.message_id for row in rows if row.message_id}
    if not message_ids:
        return []
    sent = set(
        (
            await session.execute(
                select(outbound_messages.c.message_id).where(outbound_messages.c.message_id.in_(message_ids))
            )
        ).scalars()
    )
    ours = [row for row in rows if row.message_id in sent]
    for row in ours:
        log.info("stored message %s is our own %s come back; not passed on", row.id, row.message_id)
    return [row.id for row in ours]


async def _raw(session: AsyncSession, row_ids: list[uuid.UUID]) -> list[tuple[uuid.UUID, uuid.UUID, bytes]]:
    rows = await session.execute(
        select(inbound_messages.c.id, inbound_messages.c.department_id, inbound_messages.c.raw).where(
            inbound_messages.c.id.in_(row_ids)
        )
    )
    by_id = {row.id: (row.id, row.department_id, row.raw) for row in rows}
    return [by_id[row_id] for row_id in row_ids if row_id in by_id]


def _parts(row_ids: list[uuid.UUID], sizes: dict[uuid.UUID, int], most_bytes: int) -> list[list[uuid.UUID]]:
    """Consecutive runs of messages up to `most_bytes` together; a larger message alone."""
    parts: list[list[uuid.UUID]] = []
    part: list[uuid.UUID] = []
    total = 0
    for row_id in row_ids:
        if part and total + sizes[row_id] > most_bytes:
            parts.append(part)
            part, total = [], 0
        part.append(row_id)
        total += sizes[row_id]
    if part:
        parts.append(part)
    return parts


async def blocked_extensions(session: AsyncSession) -> tuple[str, ...]:
    """The administrator's list (seed 10.2) as ticketing last announced it (projections/); seed 10.2's
    default list until ticketing has said anything."""
    stored = (await session.execute(select(module_settings.c.blocked_extensions))).scalar_one_or_none()
    return DEFAULT_BLOCKED_EXTENSIONS if stored is None else tuple(stored)


def object_name(row_id: uuid.UUID, index: int) -> str:
    """From the row and the part's place, so a retried store overwrites rather than duplicates."""
    return f"mail/{row_id}/{index}"


async def _store_attachments(storage: AttachmentStorage, row_id: uuid.UUID, parsed: ParsedMail) -> list[str]:
    names = []
    for index, attachment in enumerate(parsed.attachments):
        name = object_name(row_id, index)
        await storage.put(name, io.BytesIO(attachment.data))
        names.append(name)
    return names


async def _failed(session: AsyncSession, row_id: uuid.UUID, *, reason: str) -> None:
    await session.execute(
        update(inbound_messages)
        .where(inbound_messages.c.id == row_id)
        .values(state="failed", error=reason, parse_attempts=inbound_messages.c.parse_attempts + 1)
    )
    await dead_letter_here(session, f"message {row_id} cannot be parsed: {reason}")


def _words(error: Exception) -> str:
    """The reason an administrator reads: the parser's own words, or the unexpected error named."""
    if isinstance(error, ParseError):
        return str(error)
    return f"The parser failed on this message ({type(error).__name__}: {error})"[:4000]
