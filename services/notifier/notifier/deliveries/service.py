"""The state of webhook deliveries: queued in the inbox's transaction of the ticket or incident event
(once per webhook and event, whatever the bus redelivers), claimed by a worker under a lease, each attempt
logged with the delivery's new state in one transaction.

queued -> sending -> delivered | retrying -> sending ... | failed; a redelivery makes a delivered or
failed one queued again, under the same id."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ARRAY,
    DateTime,
    Integer,
    Row,
    Text,
    bindparam,
    case,
    column,
    delete,
    func,
    literal,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.errors import Conflict, NotFound
from notifier.config import NotifierSettings
from notifier.deliveries.schedule import next_attempt_at
from notifier.tables import departments, webhook_attempts, webhook_deliveries, webhooks
from notifier.webhooks.requests import Answered
from notifier.webhooks.schemas import AttemptOut, DeliveryOut
from notifier.webhooks.scopes import WebhookScope

ABANDONED = "the worker stopped before recording the answer; trying again"
_table = webhook_deliveries


class DeliveryUnknown(NotFound):
    pass


class DeliveryBusy(Conflict):
    pass


async def department_name(session: AsyncSession, department_id: uuid.UUID) -> str:
    found = await session.execute(select(departments.c.name).where(departments.c.id == department_id))
    return found.scalar_one_or_none() or ""


async def queue(
    session: AsyncSession,
    *,
    scope: WebhookScope,
    event_id: uuid.UUID,
    event_type: str,
    ticket_id: uuid.UUID | None = None,
    incident_id: uuid.UUID | None = None,
    values: dict[str, str],
) -> int:
    """One delivery per enabled webhook of the scope (the ticket's department, or ITSM for an incident)
    that fires for this event; how many are new (none when the event was queued before)."""
    chosen = select(
        func.gen_random_uuid(),
        webhooks.c.id,
        literal(event_id),
        literal(event_type),
        literal(ticket_id, type_=UUID(as_uuid=True)),
        literal(incident_id, type_=UUID(as_uuid=True)),
        literal(values, type_=_table.c["values"].type),
        literal("queued"),
        func.now(),
    ).where(
        scope.owns(),
        webhooks.c.enabled,
        or_(func.cardinality(webhooks.c.events) == 0, literal(event_type) == func.any(webhooks.c.events)),
    )
    columns = [
        "id",
        "webhook_id",
        "event_id",
        "event_type",
        "ticket_id",
        "incident_id",
        "values",
        "state",
        "next_attempt_at",
    ]
    result = await session.execute(
        insert(_table)
        .from_select(columns, chosen)
        .on_conflict_do_nothing(constraint="webhook_deliveries_once_per_event")
    )
    return result.rowcount  # type: ignore[attr-defined, no-any-return]


async def claim_due(
    session: AsyncSession, *, holder: str, lease_seconds: float, limit: int
) -> list[Row[Any]]:
    """Due deliveries, now `sending` and held by `holder` until the lease ends; other workers skip
    them. Each comes with its webhook's request settings and sealed secret. A disabled webhook's
    deliveries wait, as they are, until it is enabled again: disabling means nothing more is sent."""
    enabled = select(webhooks.c.id).where(webhooks.c.enabled)
    due = (
        select(_table.c.id)
        .where(
            _table.c.state.in_(("queued", "retrying")),
            _table.c.next_attempt_at <= func.now(),
            _table.c.webhook_id.in_(enabled.scalar_subquery()),
        )
        .order_by(_table.c.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = (
        update(_table)
        .where(_table.c.id.in_(due.scalar_subquery()))
        .values(
            state="sending",
            attempts=_table.c.attempts + 1,
            claimed_by=holder,
            claimed_until=func.now() + timedelta(seconds=lease_seconds),
            updated_at=func.now(),
        )
        .returning(*_table.c)
        .cte("claimed")
    )
    rows = await session.execute(
        select(
            claimed,
            webhooks.c.method,
            webhooks.c.url,
            webhooks.c.body,
            webhooks.c.headers,
            webhooks.c.secret_sealed,
        ).join(webhooks, webhooks.c.id == claimed.c.webhook_id)
    )
    return list(rows)


@dataclass(frozen=True)
class Attempt:
    """One answer (or the reason there was none) to one claimed delivery, to be recorded."""

    delivery: Row[Any]
    request: dict[str, Any]
    answered: Answered
    sent_at: datetime


# The settled state of each delivery of a recorded run, one array per column unnested into rows:
# one statement whatever the run's length, compiled once (its shape never changes).
_settled = (
    func.unnest(
        bindparam("ids", type_=ARRAY(UUID(as_uuid=True))),
        bindparam("states", type_=ARRAY(Text)),
        bindparam("next_attempts", type_=ARRAY(DateTime(timezone=True))),
        bindparam("statuses", type_=ARRAY(Integer)),
        bindparam("errors", type_=ARRAY(Text)),
    )
    .table_valued(
        column("id", UUID(as_uuid=True)),
        column("state", Text),
        column("next_attempt_at", DateTime(timezone=True)),
        column("status", Integer),
        column("error", Text),
    )
    .render_derived(name="settled")
)
_SETTLE = (
    update(_table)
    .where(
        _table.c.id == _settled.c.id,
        _table.c.claimed_by == bindparam("holder"),
        _table.c.state == "sending",
    )
    .values(
        state=_settled.c.state,
        next_attempt_at=_settled.c.next_attempt_at,
        claimed_until=None,
        last_status=_settled.c.status,
        last_error=_settled.c.error,
        delivered_at=case((_settled.c.state == "delivered", func.now()), else_=None),
        updated_at=func.now(),
    )
    .returning(_table.c.id)
)
_LOG_ATTEMPT = webhook_attempts.insert()
# A webhook's failing_since changes only when its last answer turns it: in the steady state its row
# is not written at all (so answers for one webhook do not queue behind each other's row lock).
_RECOVERED = (
    update(webhooks)
    .where(webhooks.c.id == func.any(bindparam("ids", type_=ARRAY(UUID(as_uuid=True)))))
    .where(webhooks.c.failing_since.is_not(None))
    .values(failing_since=None)
)
_FAILING = (
    update(webhooks)
    .where(webhooks.c.id == func.any(bindparam("ids", type_=ARRAY(UUID(as_uuid=True)))))
    .where(webhooks.c.failing_since.is_(None))
    .values(failing_since=func.now())
)


async def record_attempts(
    session: AsyncSession,
    *,
    attempts: Sequence[Attempt],
    holder: str,
    settings: NotifierSettings,
    now: datetime,
) -> set[uuid.UUID]:
    """Each attempt logged with its delivery's next state, all in a few statements: delivered on a
    2xx; retried on a network error, a 429 or a 5xx until the give-up window ends; failed otherwise.
    A delivery no longer this worker's (its lease was taken over) is left as it is and not logged;
    the ids of those recorded are returned."""
    outcomes = [_settled_state(attempt, settings, now) for attempt in attempts]
    settled = await session.execute(
        _SETTLE,
        {
            "holder": holder,
            "ids": [attempt.delivery.id for attempt in attempts],
            "states": [state for state, _, _ in outcomes],
            "next_attempts": [at for _, at, _ in outcomes],
            "statuses": [attempt.answered.status for attempt in attempts],
            "errors": [words[:2000] for _, _, words in outcomes],
        },
    )
    recorded = set(settled.scalars())
    kept = [
        (attempt, outcome)
        for attempt, outcome in zip(attempts, outcomes, strict=True)
        if attempt.delivery.id in recorded
    ]
    if not kept:
        return recorded
    await session.execute(
        _LOG_ATTEMPT,
        [
            {
                "delivery_id": attempt.delivery.id,
                "attempt": attempt.delivery.attempts,
                "sent_at": attempt.sent_at,
                "status": attempt.answered.status,
                "milliseconds": attempt.answered.milliseconds,
                "error": attempt.answered.error,
                "request": attempt.request,
                "answer": attempt.answered.preview,
            }
            for attempt, _ in kept
        ],
    )
    # Per webhook, its latest answer of the run decides (attempts come in the order they were answered).
    last = {attempt.delivery.webhook_id: state for attempt, (state, _, _) in kept}
    recovered = [webhook for webhook, state in last.items() if state == "delivered"]
    failing = [webhook for webhook, state in last.items() if state != "delivered"]
    if recovered:
        await session.execute(_RECOVERED, {"ids": recovered})
    if failing:
        await session.execute(_FAILING, {"ids": failing})
    return recorded


def _settled_state(
    attempt: Attempt, settings: NotifierSettings, now: datetime
) -> tuple[str, datetime | None, str]:
    """The delivery's next state, when it is tried again, and the error the log shows."""
    delivery, answered = attempt.delivery, attempt.answered
    state, at = _outcome(delivery, answered, settings, now)
    words = answered.error or ("" if state == "delivered" else f"answered {answered.status}")
    if state == "given up":
        state, words = "failed", f"gave up after {delivery.attempts} attempts: {words}"
    return state, at, words


def _outcome(
    delivery: Row[Any], answered: Answered, settings: NotifierSettings, now: datetime
) -> tuple[str, datetime | None]:
    """The next state and when it is tried again; `given up` is failed after retries ran out."""
    status = answered.status
    if status is not None and 200 <= status < 300:
        return "delivered", None
    retryable = (
        (status is None and not answered.refused) or status == 429 or (status is not None and status >= 500)
    )
    if not retryable:
        return "failed", None
    at = next_attempt_at(
        attempts=delivery.attempts,
        queued_at=delivery.queued_at,
        now=now,
        settings=settings,
        retry_after=answered.retry_after,
    )
    return ("retrying", at) if at is not None else ("given up", None)


async def recover_abandoned(session: AsyncSession, *, limit: int = 100) -> int:
    """Deliveries whose worker's lease ran out (the process died mid-send): due again at once. The
    request may have reached the receiver; it comes again with the same webhook-id, which is how a
    receiver knows it for the same delivery."""
    abandoned = (
        select(_table.c.id)
        .where(_table.c.state == "sending", _table.c.claimed_until < func.now())
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    result = await session.execute(
        update(_table)
        .where(_table.c.id.in_(abandoned.scalar_subquery()))
        .values(
            state="retrying",
            next_attempt_at=func.now(),
            claimed_by=None,
            claimed_until=None,
            last_error=ABANDONED,
            updated_at=func.now(),
        )
    )
    return result.rowcount  # type: ignore[attr-defined, no-any-return]


async def redeliver(session: AsyncSession, *, webhook_id: uuid.UUID, delivery_id: uuid.UUID) -> DeliveryOut:
    """Queued again under the same id, due now, with a fresh give-up window; 409 while an attempt
    is under way."""
    row = await _stored(session, webhook_id, delivery_id, for_update=True)
    if row.state == "sending":
        raise DeliveryBusy("The delivery is being sent right now; try again once it has an answer.")
    await session.execute(
        update(_table)
        .where(_table.c.id == delivery_id)
        .values(
            state="queued",
            next_attempt_at=func.now(),
            queued_at=func.now(),
            claimed_by=None,
            claimed_until=None,
            delivered_at=None,
            updated_at=func.now(),
        )
    )
    [found] = await list_deliveries(session, webhook_id=webhook_id, limit=1, only=delivery_id)
    return found


async def prune(session: AsyncSession, *, older_than_days: float, limit: int = 1000) -> int:
    """Settled deliveries (and their attempts) older than the log keeps; safe with several replicas."""
    old = (
        select(_table.c.id)
        .where(
            _table.c.state.in_(("delivered", "failed")),
            _table.c.updated_at < func.now() - timedelta(days=older_than_days),
        )
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    result = await session.execute(delete(_table).where(_table.c.id.in_(old.scalar_subquery())))
    return result.rowcount  # type: ignore[attr-defined, no-any-return]


async def list_deliveries(
    session: AsyncSession,
    *,
    webhook_id: uuid.UUID,
    limit: int,
    before: uuid.UUID | None = None,
    only: uuid.UUID | None = None,
) -> list[DeliveryOut]:
    """The webhook's deliveries, newest first, each with its attempts in order; `before`: the last
    id of the previous page."""
    query = select(_table).where(_table.c.webhook_id == webhook_id)
    if only is not None:
        query = query.where(_table.c.id == only)
    if before is not None:
        cursor = select(_table.c.created_at, _table.c.id).where(_table.c.id == before)
        query = query.where(tuple_(_table.c.created_at, _table.c.id) < cursor.scalar_subquery())
    rows = list(
        await session.execute(query.order_by(_table.c.created_at.desc(), _table.c.id.desc()).limit(limit))
    )
    attempts: dict[uuid.UUID, list[AttemptOut]] = {row.id: [] for row in rows}
    if rows:
        found = await session.execute(
            select(webhook_attempts)
            .where(webhook_attempts.c.delivery_id.in_(list(attempts)))
            .order_by(webhook_attempts.c.delivery_id, webhook_attempts.c.attempt, webhook_attempts.c.id)
        )
        for attempt in found:
            attempts[attempt.delivery_id].append(AttemptOut.model_validate(dict(attempt._mapping)))
    return [_delivery_out(row, attempts[row.id]) for row in rows]


async def _stored(
    session: AsyncSession, webhook_id: uuid.UUID, delivery_id: uuid.UUID, *, for_update: bool = False
) -> Row[Any]:
    query = select(_table).where(_table.c.id == delivery_id, _table.c.webhook_id == webhook_id)
    if for_update:
        query = query.with_for_update()
    row = (await session.execute(query)).first()
    if row is None:
        raise DeliveryUnknown(f"The webhook has no delivery {delivery_id}.")
    return row


def _delivery_out(row: Row[Any], attempts: list[AttemptOut]) -> DeliveryOut:
    return DeliveryOut(
        id=row.id,
        webhook_id=row.webhook_id,
        event_id=row.event_id,
        event_type=row.event_type,
        ticket_id=row.ticket_id,
        incident_id=row.incident_id,
        state=row.state,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_status=row.last_status,
        last_error=row.last_error,
        created_at=row.created_at,
        delivered_at=row.delivered_at,
        attempt_log=attempts,
    )
