"""The per-department cleanup sweep (seed 10.10, Cleanup): auto-close inactive tickets, delete old
closed ones (run by jobs.py). Safe with several replicas: tickets are claimed with FOR UPDATE SKIP
LOCKED in small batches that commit on their own, so no ticket is closed twice and a crash loses one
batch at most."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from helpdesk_common.attachment_store import AttachmentStorage
from ticketing.tables.departments import departments
from ticketing.tables.tickets import tickets
from ticketing.tickets import events, messages
from ticketing.tickets.reading import stored_files_of
from ticketing.tickets.schemas import MessageBody
from ticketing.tickets.service import apply_changes

log = logging.getLogger(__name__)
BATCH = 100
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
        await messages.add_comment(session, ticket_id=row.id, direction="internal", author=SYSTEM, body=note)
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
                await stored_files_of(session, list(claimed)) if rule.cleanup_delete_attachment_files else []
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
