"""HTTP for the auto-close policy: run or preview it, and read its audit, with `incidents.manage`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from helpdesk_common.clock import Now
from helpdesk_common.db import Session
from itsm.access import IncidentManager
from itsm.autoclose import service
from itsm.autoclose.schemas import AutoCloseIn, AutoCloseRun
from itsm.settings.service import current as current_settings

router = APIRouter(prefix="/incidents/auto-close", tags=["incident auto-close"])


@router.post("")
async def run_auto_close(
    data: AutoCloseIn, operator: IncidentManager, session: Session, request: Request, now: Now
) -> AutoCloseRun:
    """Closes (or with `dry_run` lists) the incidents resolved at least `stale_hours` ago."""
    stale_hours = data.stale_hours or (await current_settings(session)).auto_close_hours
    await session.rollback()
    done = await service.run(
        request.app.state.session_factory,
        now=now,
        stale_hours=stale_hours,
        dry_run=data.dry_run,
        actor=operator,
    )
    assert done is not None  # runs by hand are always audited
    return done


@router.get("/runs")
async def auto_close_runs(
    operator: IncidentManager, session: Session, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> list[AutoCloseRun]:
    """Newest first."""
    return await service.recent_runs(session, limit=limit)
