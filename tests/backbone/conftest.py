"""Per test: a database with the probe producer and consumer provisioned, and their processes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from nats.js import JetStreamContext
from sqlalchemy.ext.asyncio import AsyncEngine

from helpdesk_common.testing.infrastructure import TestServers
from helpdesk_common.testing.plugin import TestDatabase
from tests.backbone import probe
from tests.backbone.harness import ProbeProcesses, producer_engine


@dataclass
class Backbone:
    database: TestDatabase
    processes: ProbeProcesses
    producer: AsyncEngine

    @property
    def admin_url(self) -> str:
        return self.database.url


@pytest.fixture
async def backbone(
    servers: TestServers, database: TestDatabase, jetstream: JetStreamContext, tmp_path: Path
) -> AsyncIterator[Backbone]:
    producer_url = await database.add_service(probe.producer)
    consumer_url = await database.add_service(probe.consumer)
    processes = ProbeProcesses(
        nats_url=servers.nats_url,
        database_urls={"producer": producer_url, "consumer": consumer_url},
        log_dir=tmp_path,
    )
    engine = producer_engine(producer_url)
    try:
        yield Backbone(database, processes, engine)
    finally:
        processes.stop_all()
        await engine.dispose()
