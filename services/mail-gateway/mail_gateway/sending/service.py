"""The delivery state of outbound messages: each change is one UPDATE guarded by who holds the message,
with its `mail_delivery_changed` event in the same transaction (the outbox).

queued -> sending -> sent | retrying -> sending ... | failed. A message whose row says `sent` is never
claimed again, whatever the bus redelivers."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.contracts.mail import DeliveryState, MailDelivery, MailDeliveryChanged, OutboundMail
from helpdesk_common.outbox import add_event
from mail_gateway.config import MailGatewaySettings
from mail_gateway.sending.schedule import next_attempt_at
from mail_gateway.tables.outbound import outbound_messages

SOURCE = "mail-gateway"
NO_MAILBOX = "no outbound mailbox configured for the department"
# The one case where we cannot know: the server had the message and its answer was never recorded.
UNCERTAIN = (
    "the message was handed to the server and its answer was never recorded (the sender stopped or "
    "the connection broke); it may have been delivered, so it is not sent again on its own"
)
ABANDONED = "the sender stopped before handing the message to the server; trying again"
_table = outbound_messages
_columns = tuple(_table.c)


async def queue(session: AsyncSession, mail: OutboundMail) -> bool:
    """Recorded as queued and due now; False when a message with this Message-ID is known already
    (a second request for it never sends it again)."""
    row = (
        await session.execute(
            insert(_table)
            .values(
                id=uuid.uuid4(),
                message_id=mail.message_id,
                department_id=mail.department_id,
                ticket_id=mail.ticket_id,
                comment_id=mail.comment_id,
                request=mail.model_dump(mode="json"),
                state="queued",
                next_attempt_at=func.now(),
                revision=1,
            )
            .on_conflict_do_nothing(index_elements=["message_id"])
            .returning(*_columns)
        )
    ).first()
    if row is None:
        return False
    await _announce(session, row)
    return True


async def claim_due(
    session: AsyncSession, *, holder: str, lease_seconds: float, limit: int
) -> list[Row[Any]]:
    """Due messages, now `sending` and held by `holder` until the lease ends; other senders skip them."""
    due = (
        select(_table.c.id)
        .where(_table.c.state.in_(("queued", "retrying")), _table.c.next_attempt_at <= func.now())
        .order_by(_table.c.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = (
        await session.execute(
            update(_table)
            .where(_table.c.id.in_(due.scalar_subquery()))
            .values(
                state="sending",
                attempts=_table.c.attempts + 1,
                claimed_by=holder,
                claimed_until=func.now() + timedelta(seconds=lease_seconds),
                handed_over_at=None,
                revision=_table.c.revision + 1,
                updated_at=func.now(),
            )
            .returning(*_columns)
        )
    ).all()
    for row in rows:
        await _announce(session, row)
    return list(rows)


async def hand_over(session: AsyncSession, *, message: uuid.UUID, holder: str) -> bool:
    """Recorded just before DATA; False when the message is no longer ours (its lease was taken over),
    and then nothing may be handed over."""
    result = await session.execute(
        update(_table)
        .where(_table.c.id == message, _table.c.state == "sending", _table.c.claimed_by == holder)
        .values(handed_over_at=func.now())
    )
    return result.rowcount == 1  # type: ignore[attr-defined, no-any-return]


async def record_sent(session: AsyncSession, *, message: uuid.UUID, holder: str, words: str) -> None:
    # Also over `failed`: a takeover that judged the attempt uncertain is overruled by the 250 itself.
    await _change(
        session,
        (_table.c.id == message, _table.c.claimed_by == holder, _table.c.state.in_(("sending", "failed"))),
        state="sent",
        words=words,
        sent_at=func.now(),
    )


async def record_failed(session: AsyncSession, *, message: uuid.UUID, holder: str, words: str) -> None:
    await _change(session, _held(message, holder), state="failed", words=words)


async def record_refusal(
    session: AsyncSession,
    *,
    message: Row[Any],
    holder: str,
    words: str,
    permanent: bool,
    settings: MailGatewaySettings,
    now: datetime,
) -> DeliveryState:
    """Failed on a permanent refusal or once the message has waited long enough; retrying otherwise."""
    at = (
        None
        if permanent
        else next_attempt_at(
            attempts=message.attempts, queued_at=message.created_at, now=now, settings=settings
        )
    )
    if at is None:
        if not permanent:
            words = f"gave up after {message.attempts} attempts: {words}"
        await _change(session, _held(message.id, holder), state="failed", words=words)
        return "failed"
    await _change(session, _held(message.id, holder), state="retrying", words=words, next_attempt_at=at)
    return "retrying"


async def recover_abandoned(session: AsyncSession, *, limit: int = 100) -> int:
    """Messages whose sender's lease ran out (the process died): tried again when nothing was handed
    over yet, failed as uncertain otherwise. Safe with several senders (SKIP LOCKED)."""
    rows = (
        await session.execute(
            select(_table.c.id, _table.c.handed_over_at)
            .where(_table.c.state == "sending", _table.c.claimed_until < func.now())
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()
    for row in rows:
        if row.handed_over_at is None:
            await _change(
                session,
                (_table.c.id == row.id,),
                state="retrying",
                words=ABANDONED,
                next_attempt_at=func.now(),
                claimed_by=None,
            )
        else:
            # claimed_by stays, so that the holder, were it alive after all, could still record its 250.
            await _change(session, (_table.c.id == row.id,), state="failed", words=UNCERTAIN)
    return len(rows)


def _held(message: uuid.UUID, holder: str) -> tuple[Any, ...]:
    return (_table.c.id == message, _table.c.claimed_by == holder, _table.c.state == "sending")


async def _change(
    session: AsyncSession, where: tuple[Any, ...], *, state: DeliveryState, words: str, **values: Any
) -> None:
    values.setdefault("next_attempt_at", None)
    row = (
        await session.execute(
            update(_table)
            .where(*where)
            .values(
                state=state,
                last_words=words[:2000],
                claimed_until=None,
                revision=_table.c.revision + 1,
                updated_at=func.now(),
                **values,
            )
            .returning(*_columns)
        )
    ).first()
    if row is not None:
        await _announce(session, row)


async def _announce(session: AsyncSession, row: Row[Any]) -> None:
    delivery = MailDelivery(
        department_id=row.department_id,
        ticket_id=row.ticket_id,
        comment_id=row.comment_id,
        message_id=row.message_id,
        state=row.state,
        detail=row.last_words,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        revision=row.revision,
        at=row.updated_at,
    )
    await add_event(session, MailDeliveryChanged.build(source=SOURCE, subject=str(row.id), data=delivery))
