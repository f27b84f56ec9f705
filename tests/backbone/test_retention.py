"""The relay's retention: with a NATS that writes JetStream to disk on an interval (as `helpdesk up`
runs its embedded one), published events stay in `outbox_retained` for longer than the interval and
go out again after the server comes back without them."""

from __future__ import annotations

import asyncio
import shutil

import nats
from nats.js.api import StreamInfo

from helpdesk_common.bus.topology import ensure_consumer, ensure_streams
from helpdesk_common.embedded import EmbeddedNats, free_port
from helpdesk_common.testing.plugin import TestDatabase
from tests.backbone import probe
from tests.backbone.conftest import Backbone
from tests.backbone.harness import (
    ProbeProcesses,
    all_applied_once,
    applied_counts,
    assert_exactly_once,
    eventually,
    produce,
    producer_engine,
    scalar,
)

_RETAINED_EVENTS = "SELECT coalesce(sum(cardinality(event_ids)), 0) FROM probe_producer.outbox_retained"


async def test_published_events_are_kept_for_the_retention_then_let_go(backbone: Backbone) -> None:
    backbone.processes.start("producer", HELPDESK_RELAY_RETAIN_SECONDS="3")
    backbone.processes.start("consumer")
    ids = await produce(backbone.producer, 200, per_transaction=20)
    await eventually(lambda: all_applied_once(backbone.admin_url, ids), within=60, what="200 events applied")
    # Published, out of the outbox, and kept: every one of them, for three seconds.
    assert await scalar(backbone.admin_url, "SELECT count(*) FROM probe_producer.outbox") == 0
    assert await scalar(backbone.admin_url, _RETAINED_EVENTS) == 200
    await eventually(
        lambda: _retained_is(backbone.admin_url, 0), within=15, what="the kept events let go after 3 s"
    )
    assert_exactly_once(await applied_counts(backbone.admin_url), ids)


async def test_events_a_restarted_nats_lost_are_published_again_and_applied_once(
    database: TestDatabase, tmp_path
) -> None:
    # A server of this test's own, which writes to disk on JetStream's default interval (2 min): when
    # it is killed and its store is taken away, it comes back without any message it had acknowledged,
    # as a single server does whose machine went down before the next sync.
    store = tmp_path / "nats"
    nats_server = EmbeddedNats(store, free_port()).start(log_file=tmp_path / "nats.log", sync="default")
    producer_url = await database.add_service(probe.producer)
    consumer_url = await database.add_service(probe.consumer)
    processes = ProbeProcesses(
        nats_url=nats_server.url,
        database_urls={"producer": producer_url, "consumer": consumer_url},
        log_dir=tmp_path,
        extra_env={"HELPDESK_RELAY_RETAIN_SECONDS": "120"},
    )
    engine = producer_engine(producer_url)
    try:
        processes.start("producer")
        processes.start("consumer")
        before = await produce(engine, 300, per_transaction=30)
        await eventually(lambda: all_applied_once(database.url, before), within=60, what="300 events applied")

        assert nats_server.process is not None
        nats_server.process.kill()
        nats_server.process.wait()
        shutil.rmtree(store / "jetstream")
        nats_server.start(log_file=tmp_path / "nats.log", sync="default")
        # A real crash keeps the stream's and the consumer's definitions (written when they were
        # made); this one lost the whole store, so the test declares them again, as a deploy would.
        await _declare_again(nats_server.url)

        after = await produce(engine, 100, per_transaction=10, start=300)
        await eventually(
            lambda: _stream_holds(nats_server.url, 400),
            within=60,
            what="the 300 lost events published again beside the 100 new ones",
            check=lambda: (processes.assert_alive("consumer"), processes.assert_alive("producer")) and None,
        )
        await eventually(
            lambda: all_applied_once(database.url, before + after), within=60, what="400 events applied"
        )
        await asyncio.sleep(1.0)
        # The consumer read the lost ones again from the new stream; its inbox applied none twice.
        assert_exactly_once(await applied_counts(database.url), before + after)
    finally:
        processes.stop_all()
        await engine.dispose()
        nats_server.stop()


async def _retained_is(admin_url: str, count: int) -> bool:
    return await scalar(admin_url, _RETAINED_EVENTS) == count


async def _declare_again(url: str) -> None:
    client = await nats.connect(url)
    try:
        js = client.jetstream()
        await ensure_streams(js)
        await ensure_consumer(js, probe.CONSUMER_SPEC)
    finally:
        await client.close()


async def _stream_holds(url: str, count: int) -> bool:
    client = await nats.connect(url)
    try:
        info: StreamInfo = await client.jetstream().stream_info(probe.CONSUMER_SPEC.stream)
        return info.state.messages >= count
    finally:
        await client.close()
