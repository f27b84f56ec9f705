"""The parser role (`helpdesk run mail-gateway --role parser`): every stored message parsed once, its
attachments put in the object store ticketing reads, `mail_inbound_received` written to the outbox and
the row marked parsed, all in the inbox's transaction. Parser processes share one durable consumer, so
replicas split the work.

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

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.attachment_store import AttachmentStorage
from helpdesk_common.bus.consumer import EventConsumer
from helpdesk_common.bus.dead_letters import dead_letter_here
from helpdesk_common.bus.topology import ConsumerSpec, declare_consumer
from helpdesk_common.contracts.mail import MailInboundReceived, MailStored
from helpdesk_common.files import DEFAULT_BLOCKED_EXTENSIONS
from helpdesk_common.outbox import add_event
from mail_gateway.config import MailGatewaySettings
from mail_gateway.parsing.parser import ParsedMail, ParseError, ParseLimits, parse_message
from mail_gateway.tables.inbound import inbound_messages
from mail_gateway.tables.mailboxes import module_settings

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
        self.storage = AttachmentStorage(
            settings.nats_url, settings.attachments_bucket, replicas=settings.nats_stream_replicas
        )


_context: ParserContext | None = None


def use_settings(settings: MailGatewaySettings) -> ParserContext:
    global _context
    _context = ParserContext(settings)
    return _context


def context() -> ParserContext:
    """The process's context, from its HELPDESK_* settings unless `use_settings` chose others."""
    return _context or use_settings(MailGatewaySettings())


@parser_consumer.on(MailStored)
async def on_mail_stored(session: AsyncSession, event: MailStored) -> None:
    await parse_stored(session, event.data.inbound_message_id, context())


async def parse_stored(session: AsyncSession, row_id: uuid.UUID, parser: ParserContext) -> None:
    row = (
        await session.execute(
            select(inbound_messages.c.department_id, inbound_messages.c.raw, inbound_messages.c.state)
            .where(inbound_messages.c.id == row_id)
            .with_for_update()
        )
    ).first()
    if row is None:
        log.warning("stored message %s is gone; nothing to parse", row_id)
        return
    if row.state != "stored":
        # Parsed already, or failed and not (yet) retried: an older event of the row.
        return
    try:
        parsed = parse_message(
            row.raw, blocked_extensions=await blocked_extensions(session), limits=parser.limits
        )
    except Exception as error:
        await _failed(session, row_id, reason=_words(error))
        return
    if parsed.bounce is not None:
        # Ticketing keeps a note of a bounce, never its files.
        parsed = replace(parsed, attachments=[])
    object_names = await _store_attachments(parser.storage, row_id, parsed)
    mail = parsed.inbound(row.department_id, object_names)
    await add_event(session, MailInboundReceived.build(source="mail-gateway", subject=str(row_id), data=mail))
    await session.execute(
        update(inbound_messages)
        .where(inbound_messages.c.id == row_id)
        .values(
            state="parsed",
            error=None,
            parsed_at=datetime.now(UTC),
            parse_attempts=inbound_messages.c.parse_attempts + 1,
        )
    )


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
