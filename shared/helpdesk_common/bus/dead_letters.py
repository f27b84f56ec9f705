"""What becomes of an event that cannot be applied: tried again with a growing delay, and after its
last try (or at once, for a message that is no valid event) stored in `dead_letters`, published on
`deadletter.<consumer>`, and acknowledged, so the consumer goes on with the rest. Never a silent drop.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

import orjson
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from helpdesk_common.bus.inbox import delivering
from helpdesk_common.bus.topology import dead_letter_subject
from helpdesk_common.messaging_tables import dead_letters
from helpdesk_common.outbox import add_publication

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    max_deliver: int = 5
    backoff_base_seconds: float = 1.0
    backoff_max_seconds: float = 300.0

    def delay(self, delivery: int) -> float:
        return min(self.backoff_base_seconds * 2 ** max(delivery - 1, 0), self.backoff_max_seconds)


async def retry_or_dead_letter(
    msg: Msg,
    reason: str,
    *,
    consumer: str,
    retry: RetryPolicy,
    session_factory: async_sessionmaker[AsyncSession],
    jetstream: JetStreamContext,
) -> None:
    delivery = msg.metadata.num_delivered
    if delivery < retry.max_deliver:
        await msg.nak(delay=retry.delay(delivery))
    else:
        await dead_letter(
            msg, reason, consumer=consumer, session_factory=session_factory, jetstream=jetstream
        )


async def dead_letter(
    msg: Msg,
    reason: str,
    *,
    consumer: str,
    session_factory: async_sessionmaker[AsyncSession],
    jetstream: JetStreamContext,
) -> None:
    """Stored first, then published (by a deterministic Nats-Msg-Id, so a retry publishes it once),
    then acknowledged."""
    metadata = msg.metadata
    sequence = metadata.sequence.stream
    event_id, event_type = _identity(msg.data)
    headers = dict(msg.headers or {})
    async with session_factory() as session, session.begin():
        await session.execute(
            pg_insert(dead_letters)
            .values(
                consumer=consumer,
                stream=metadata.stream,
                stream_sequence=sequence,
                subject=msg.subject,
                event_id=event_id,
                event_type=event_type,
                reason=reason[:4000],
                deliveries=metadata.num_delivered,
                payload=msg.data,
                headers=headers,
            )
            .on_conflict_do_nothing()
        )
    headers.update(
        {
            "Nats-Msg-Id": f"{consumer}:{metadata.stream}:{sequence}",
            "Helpdesk-Dead-Letter-Reason": reason[:1000],
            "Helpdesk-Original-Subject": msg.subject,
        }
    )
    await jetstream.publish(dead_letter_subject(consumer), msg.data, headers=headers)
    log.error("dead-lettered %s seq=%s from %s: %s", event_type, sequence, msg.subject, reason)
    await msg.ack()


async def dead_letter_here(session: AsyncSession, reason: str) -> None:
    """For a handler whose event can never be applied however often it is tried (a message its
    parser cannot read): the dead letter of the event being handled is stored, and its publication on
    `deadletter.<consumer>` written to the outbox, in the handler's own transaction, beside what the
    handler records of the failure. The event then counts as handled: no retries, acknowledged after
    the commit, as any other."""
    msg, consumer = delivering()
    metadata = msg.metadata
    sequence = metadata.sequence.stream
    event_id, event_type = _identity(msg.data)
    headers = dict(msg.headers or {})
    await session.execute(
        pg_insert(dead_letters)
        .values(
            consumer=consumer,
            stream=metadata.stream,
            stream_sequence=sequence,
            subject=msg.subject,
            event_id=event_id,
            event_type=event_type,
            reason=reason[:4000],
            deliveries=metadata.num_delivered,
            payload=msg.data,
            headers=headers,
        )
        .on_conflict_do_nothing()
    )
    headers.update({"Helpdesk-Dead-Letter-Reason": reason[:1000], "Helpdesk-Original-Subject": msg.subject})
    # The relay publishes it with this id as Nats-Msg-Id: the same dead letter is published once.
    publication = uuid.uuid5(uuid.NAMESPACE_URL, f"deadletter:{consumer}:{metadata.stream}:{sequence}")
    await add_publication(
        session,
        publication_id=publication,
        kind=event_type or "dead_letter",
        subject=dead_letter_subject(consumer),
        payload=msg.data,
        headers=headers,
    )
    log.error("dead-lettered %s seq=%s from %s: %s", event_type, sequence, msg.subject, reason)


def _identity(payload: bytes) -> tuple[str | None, str | None]:
    try:
        document = orjson.loads(payload)
    except Exception:
        return None, None
    if not isinstance(document, dict):
        return None, None
    event_id, event_type = document.get("id"), document.get("type")
    return (
        str(event_id)[:100] if event_id is not None else None,
        str(event_type)[:100] if event_type is not None else None,
    )
