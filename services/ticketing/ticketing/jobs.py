"""Ticketing's scheduled work (the `jobs` role), each safe with several replicas running."""

from __future__ import annotations

import asyncio
import logging

from helpdesk_common.attachment_store import AttachmentStorage
from helpdesk_common.db import autocommit_connection
from helpdesk_common.idempotency import forget_old_keys
from helpdesk_common.periodic import every
from helpdesk_common.service import ServiceRuntime
from ticketing.cleanup import sweep_once
from ticketing.config import TicketingSettings
from ticketing.tickets.counts import settle_counts

log = logging.getLogger(__name__)
CLEANUP_EVERY_SECONDS = 300.0
SETTLE_COUNTS_EVERY_SECONDS = 2.0


async def cleanup_job(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    """Seed 10.10's per-department cleanup, and the idempotency keys past their retention."""
    settings = runtime.settings
    assert isinstance(settings, TicketingSettings)
    storage = AttachmentStorage(
        settings.nats_url, settings.attachments_bucket, replicas=settings.nats_stream_replicas
    )

    async def sweep() -> None:
        swept = await sweep_once(runtime.session_factory, storage=storage)
        if swept.closed or swept.deleted:
            log.info("cleanup closed %d and deleted %d tickets", swept.closed, swept.deleted)
        async with autocommit_connection(runtime.engine) as connection:
            await forget_old_keys(connection)

    try:
        await every(CLEANUP_EVERY_SECONDS, stop, sweep, what="the cleanup sweep")
    finally:
        await storage.close()


async def settle_counts_job(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    """The queue's kept counts folded every few seconds (tickets/counts.py), one replica at a time."""

    async def settle() -> None:
        async with runtime.session_factory() as session:
            await settle_counts(session)

    await every(SETTLE_COUNTS_EVERY_SECONDS, stop, settle, what="settling the queue's counts")
