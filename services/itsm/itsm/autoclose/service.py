"""Auto-closing stale resolved incidents (seed A-02): an incident resolved `stale_hours` ago (48 by
default, the settings' `auto_close_hours`) and not reopened since is closed. A run by hand may only
preview (`dry_run`: the eligible ids, nothing changed). Every run by hand, previews included, leaves an
audit entry naming its actor, and so does every sweep that closed something (a sweep every few
minutes that finds nothing would bury the entries that matter).

Safe with several replicas: incidents are claimed with FOR UPDATE SKIP LOCKED in batches that commit
on their own, so each is closed (and its `incident_closed` written) once."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from helpdesk_common.auth import Operator
from itsm.autoclose.schemas import AutoCloseRun
from itsm.incidents import service as incidents_service
from itsm.tables import auto_close_runs, incidents

SWEEP_ACTOR = "auto-close sweep"


async def run(
    session_factory: async_sessionmaker[AsyncSession],
    *,
    now: datetime,
    stale_hours: int,
    dry_run: bool,
    actor: Operator | None = None,
    batch_size: int = 200,
    audit_empty: bool = True,
) -> AutoCloseRun | None:
    """None for a sweep's run that closed nothing and was told not to audit that (`audit_empty`)."""
    cutoff = now - timedelta(hours=stale_hours)
    if dry_run:
        async with session_factory() as session, session.begin():
            eligible = await _eligible(session, cutoff, limit=None, lock=False)
            return await _audit(session, actor, stale_hours=stale_hours, dry_run=True, ids=eligible, now=now)
    closed: list[uuid.UUID] = []
    while True:
        async with session_factory() as session, session.begin():
            claimed = await _eligible(session, cutoff, limit=batch_size, lock=True)
            for incident_id in claimed:
                summary = f"Closed by the auto-close policy: resolved more than {stale_hours} hours ago"
                await incidents_service.close(session, incident_id, now=now, summary=summary, actor=actor)
        closed.extend(claimed)
        if len(claimed) < batch_size:
            break
    if not closed and not audit_empty:
        return None
    async with session_factory() as session, session.begin():
        return await _audit(session, actor, stale_hours=stale_hours, dry_run=False, ids=closed, now=now)


async def _eligible(
    session: AsyncSession, cutoff: datetime, *, limit: int | None, lock: bool
) -> list[uuid.UUID]:
    query = (
        select(incidents.c.id)
        .where(incidents.c.status == "resolved", incidents.c.resolved_at <= cutoff)
        .order_by(incidents.c.resolved_at, incidents.c.id)
    )
    if limit is not None:
        query = query.limit(limit)
    if lock:
        query = query.with_for_update(skip_locked=True)
    return [row.id for row in await session.execute(query)]


async def _audit(
    session: AsyncSession,
    actor: Operator | None,
    *,
    stale_hours: int,
    dry_run: bool,
    ids: list[uuid.UUID],
    now: datetime,
) -> AutoCloseRun:
    row = (
        await session.execute(
            auto_close_runs.insert()
            .values(
                id=uuid.uuid4(),
                at=now,
                actor_id=actor.id if actor else None,
                actor_name=actor.username if actor else SWEEP_ACTOR,
                stale_hours=stale_hours,
                dry_run=dry_run,
                incident_ids=[str(each) for each in ids],
            )
            .returning(*auto_close_runs.c)
        )
    ).one()
    return AutoCloseRun.model_validate(row, from_attributes=True)


async def recent_runs(session: AsyncSession, *, limit: int) -> list[AutoCloseRun]:
    query = select(auto_close_runs).order_by(auto_close_runs.c.at.desc(), auto_close_runs.c.id).limit(limit)
    return [AutoCloseRun.model_validate(row, from_attributes=True) for row in await session.execute(query)]
