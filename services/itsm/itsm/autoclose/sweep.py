"""The auto-close sweep of the `jobs` role: the policy with the settings' window, every few minutes."""

from __future__ import annotations

import asyncio
import logging

from helpdesk_common.periodic import every
from helpdesk_common.service import ServiceRuntime
from itsm.autoclose import service
from itsm.config import ItsmSettings
from itsm.settings.service import current as current_settings

log = logging.getLogger(__name__)


async def sweep_once(runtime: ServiceRuntime) -> int:
    async with runtime.session_factory() as session:
        stale_hours = (await current_settings(session)).auto_close_hours
    done = await service.run(
        runtime.session_factory,
        now=runtime.clock.now(),
        stale_hours=stale_hours,
        dry_run=False,
        audit_empty=False,
    )
    return len(done.incident_ids) if done else 0


async def auto_close_job(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    settings = runtime.settings
    assert isinstance(settings, ItsmSettings)

    async def sweep() -> None:
        closed = await sweep_once(runtime)
        if closed:
            log.info("auto-closed %d incidents", closed)

    await every(settings.itsm_auto_close_interval_seconds, stop, sweep, what="the auto-close sweep")
