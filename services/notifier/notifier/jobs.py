"""The scheduled work of the notifier service (the `jobs` role): the delivery log's pruning, and once
each, learning the live updates' tickets from before their consumer (live/bootstrap.py) and the
departments and switch from before TICKETING's two weeks (projections.py). A job is an
async function of the runtime and the stop event, around `helpdesk_common.periodic.every`, safe with
several replicas (rows claimed with FOR UPDATE SKIP LOCKED, in batches that commit on their own)."""

from __future__ import annotations

import asyncio
import logging

from helpdesk_common.periodic import every
from helpdesk_common.service import Job, ServiceRuntime
from notifier.config import NotifierSettings
from notifier.deliveries.service import prune
from notifier.live.bootstrap import learn_live_tickets_job
from notifier.projections import learn_records_job

log = logging.getLogger(__name__)
PRUNE_INTERVAL_SECONDS = 3600.0
PRUNE_BATCH = 1000


async def prune_delivery_log(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    settings = runtime.settings
    assert isinstance(settings, NotifierSettings)

    async def once() -> None:
        pruned = PRUNE_BATCH
        while pruned == PRUNE_BATCH and not stop.is_set():
            async with runtime.session_factory() as session, session.begin():
                pruned = await prune(
                    session, older_than_days=settings.webhook_log_retention_days, limit=PRUNE_BATCH
                )
            if pruned:
                log.info("pruned %d webhook deliveries from the log", pruned)

    await every(PRUNE_INTERVAL_SECONDS, stop, once, what="pruning the webhook delivery log")


jobs: list[Job] = [prune_delivery_log, learn_live_tickets_job, learn_records_job]
