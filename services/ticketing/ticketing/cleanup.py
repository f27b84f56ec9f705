"""The per-department cleanup sweep (seed 10.10, Cleanup): auto-close inactive tickets, delete old
closed ones; and the idempotency keys past their retention. Safe with several replicas: tickets are
claimed with FOR UPDATE SKIP LOCKED in small batches that commit on their own, so no ticket is closed
twice and a crash loses one batch at most."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from helpdesk_common.db import autocommit_connection
from helpdesk_common.idempotency import forget_old_keys
from helpdesk_common.periodic import every
from helpdesk_common.service import ServiceRuntime
from ticketing.attachments.service import object_names_of
from ticketing.attachments.storage import AttachmentStorage
from ticketing.comments import store
from ticketing.tables import departments, tickets
from ticketing.tickets import events
from ticketing.tickets.schemas import MessageBody
from ticketing.tickets.service import apply_changes

log = logging.getLogger(__name__)
BATCH = 100
SWEEP_EVERY_SECONDS = 300.0
SYSTEM = (None, "system")


@dataclass
class SweepResult:
    closed: int = 0
    deleted: int = 0


async def sweep_once(
    session_factory: async_sessionmaker[AsyncSession],
    *,
    storage: AttachmentStorage | None = None,
    now: datetime | None = None,
) -> SweepResult:
    now = now or datetime.now(UTC)
    result = SweepResult()
    async with session_factory() as session:
        rules = (await session.execute(select(departments))).all()
    for rule in rules:
        if rule.cleanup_close_inactive_days and rule.cleanup_close_statuses:
            result.closed += await _close_inactive(session_factory, rule, now)
        if rule.cleanup_delete_closed_after_days:
            result.deleted += await _delete_old(session_factory, rule, now, storage)
    return result


async def cleanup_job(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    settings = runtime.settings
    storage = AttachmentStorage(
        settings.nats_url,
        getattr(settings, "attachments_bucket", "ticket-attachments"),
        replicas=settings.nats_stream_replicas,
    )

    async def sweep() -> None:
        swept = await sweep_once(runtime.session_factory, storage=storage)
        if swept.closed or swept.deleted:
            log.info("cleanup closed %d and deleted %d tickets", swept.closed, swept.deleted)
        async with autocommit_connection(runtime.engine) as connection:
            await forget_old_keys(connection)

    await every(SWEEP_EVERY_SECONDS, stop, sweep, what="the cleanup sweep")


async def _close_inactive(session_factory: async_sessionmaker[AsyncSession], rule: Any, now: datetime) -> int:
    cutoff = now - timedelta(days=rule.cleanup_close_inactive_days)
    closed = 0
    while True:
        async with session_factory() as session, session.begin():
            batch = (
                await session.execute(
                    select(tickets)
                    .where(
                        tickets.c.department_id == rule.id,
                        tickets.c.status.in_(rule.cleanup_close_statuses),
                        tickets.c.last_activity_at < cutoff,
                    )
                    .order_by(tickets.c.last_activity_at)
                    .limit(BATCH)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            for row in batch:
                await _auto_close(session, row, rule)
        closed += len(batch)
        if len(batch) < BATCH:
            return closed


async def _auto_close(session: AsyncSession, row: Any, rule: Any) -> None:
    if rule.cleanup_close_note.strip():
        note = MessageBody(body=rule.cleanup_close_note, body_format="plain_text")
        await store.add_comment(session, ticket_id=row.id, direction="internal", author=SYSTEM, body=note)
    closed = await apply_changes(session, row=row, operator=None, requested={"status": "closed"})
    await events.publish_auto_closed(
        session, closed, rule.cleanup_close_inactive_days, rule.cleanup_close_note
    )


async def _delete_old(
    session_factory: async_sessionmaker[AsyncSession],
    rule: Any,
    now: datetime,
    storage: AttachmentStorage | None,
) -> int:
    cutoff = now - timedelta(days=rule.cleanup_delete_closed_after_days)
    deleted = 0
    while True:
        async with session_factory() as session, session.begin():
            claimed = (
                (
                    await session.execute(
                        select(tickets.c.id)
                        .where(
                            tickets.c.department_id == rule.id,
                            tickets.c.status == "closed",
                            tickets.c.closed_at < cutoff,
                        )
                        .limit(BATCH)
                        .with_for_update(skip_locked=True)
                    )
                )
                .scalars()
                .all()
            )
            files = (
                await object_names_of(session, list(claimed)) if rule.cleanup_delete_attachment_files else []
            )
            await events.publish_deleted(session, list(claimed), None)
            await session.execute(delete(tickets).where(tickets.c.id.in_(claimed)))
        # After the commit: a crash here leaves an unreferenced object, never a reference to nothing.
        if storage is not None:
            for name in files:
                await storage.delete(name)
        deleted += len(claimed)
        if len(claimed) < BATCH:
            return deleted
