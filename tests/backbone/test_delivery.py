"""The backbone holds: outbox -> relay -> JetStream -> inbox consumer, across processes and crashes."""

from __future__ import annotations

import asyncio
import random
import uuid

import asyncpg
import nats
import orjson
from nats.js import JetStreamContext

from helpdesk_common.db import create_engine, libpq_url
from helpdesk_common.embedded import EmbeddedNats, free_port
from helpdesk_common.service import prune_inbox_once
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
    ticket_created,
)


async def test_an_event_written_through_the_outbox_is_applied_once_by_a_consumer_in_another_process(
    backbone: Backbone,
) -> None:
    ids = await produce(backbone.producer, 200, per_transaction=20)
    backbone.processes.start("producer")
    backbone.processes.start("consumer")

    await eventually(
        lambda: all_applied_once(backbone.admin_url, ids),
        within=60,
        what="200 events applied",
        check=lambda: backbone.processes.assert_alive("consumer"),
    )
    await asyncio.sleep(0.5)  # a late duplicate would show up here
    assert_exactly_once(await applied_counts(backbone.admin_url), ids)
    assert await scalar(backbone.admin_url, "SELECT count(*) FROM probe_producer.outbox") == 0
    inbox = await scalar(backbone.admin_url, "SELECT count(*) FROM probe_consumer.inbox")
    assert inbox == len(ids)


async def test_a_relay_killed_mid_batch_loses_nothing_and_doubles_nothing(
    backbone: Backbone, jetstream: JetStreamContext
) -> None:
    total = 20000
    ids = await produce(backbone.producer, total, per_transaction=1000)
    backbone.processes.start("consumer")
    killed_between_publish_and_delete = 0
    for _ in range(10):
        before = (await jetstream.stream_info("TICKET_EVENTS")).state.messages
        backbone.processes.start("producer", HELPDESK_RELAY_BATCH_SIZE="200")
        # Kill as soon as the relay is seen publishing: it is then most likely mid-batch.
        while (await jetstream.stream_info("TICKET_EVENTS")).state.messages == before:
            backbone.processes.assert_alive("producer")
            await asyncio.sleep(0.002)
        await asyncio.sleep(random.uniform(0, 0.02))
        backbone.processes.kill("producer")
        in_stream = (await jetstream.stream_info("TICKET_EVENTS")).state.messages
        still_in_outbox = await scalar(backbone.admin_url, "SELECT count(*) FROM probe_producer.outbox")
        if in_stream + still_in_outbox > total:
            # Published and acknowledged by JetStream, yet not deleted: the kill hit mid-batch.
            killed_between_publish_and_delete += 1
        if still_in_outbox == 0 or killed_between_publish_and_delete >= 3:
            break
    assert killed_between_publish_and_delete >= 1, "no kill landed between publish and delete"

    backbone.processes.start("producer")
    await eventually(
        lambda: all_applied_once(backbone.admin_url, ids),
        within=120,
        what=f"{total} events applied",
        check=lambda: backbone.processes.assert_alive("consumer"),
    )
    await asyncio.sleep(1.0)
    assert_exactly_once(await applied_counts(backbone.admin_url), ids)
    assert (await jetstream.stream_info("TICKET_EVENTS")).state.messages == total


async def test_a_consumer_killed_mid_batch_loses_nothing_and_doubles_nothing(
    backbone: Backbone, jetstream: JetStreamContext
) -> None:
    total = 20000
    ids = await produce(backbone.producer, total, per_transaction=1000)
    backbone.processes.start("producer")
    killed_with_messages_in_flight = 0
    for _ in range(3):
        backbone.processes.start("consumer", HELPDESK_CONSUMER_BATCH_SIZE="200")
        await eventually(
            lambda: _applied_at_least(backbone, 1),
            within=60,
            what="the consumer to start applying",
            check=lambda: backbone.processes.assert_alive("consumer"),
        )
        await asyncio.sleep(random.uniform(0.05, 0.3))
        backbone.processes.kill("consumer")
        info = await jetstream.consumer_info("TICKET_EVENTS", probe.CONSUMER_SPEC.durable)
        # Delivered to the killed process and never acknowledged: they must come back, once.
        killed_with_messages_in_flight += info.num_ack_pending > 0
        if len(await applied_counts(backbone.admin_url)) >= total:
            break
    assert killed_with_messages_in_flight >= 1, "no kill landed while a batch was in flight"

    backbone.processes.start("consumer")
    await eventually(
        lambda: all_applied_once(backbone.admin_url, ids),
        within=120,
        what=f"{total} events applied",
        check=lambda: backbone.processes.assert_alive("consumer"),
    )
    await asyncio.sleep(1.0)
    assert_exactly_once(await applied_counts(backbone.admin_url), ids)


async def _applied_at_least(backbone: Backbone, count: int) -> bool:
    return len(await applied_counts(backbone.admin_url)) >= count


async def test_nats_killed_and_restarted_while_events_are_produced_loses_nothing_and_doubles_nothing(
    database: TestDatabase, tmp_path
) -> None:
    # A server of this test's own: it is killed with SIGKILL twice and started again on the same
    # port and store. It fsyncs every write (sync_interval: always) and the relay keeps nothing.
    nats_server = EmbeddedNats(tmp_path / "nats", free_port())
    nats_server.start(log_file=tmp_path / "nats.log", sync="always")
    producer_url = await database.add_service(probe.producer)
    consumer_url = await database.add_service(probe.consumer)
    processes = ProbeProcesses(
        nats_url=nats_server.url,
        database_urls={"producer": producer_url, "consumer": consumer_url},
        log_dir=tmp_path,
    )
    engine = producer_engine(producer_url)
    try:
        processes.start("producer")
        processes.start("consumer")
        ids: list = []
        for round_number in range(30):
            ids += await produce(engine, 100, per_transaction=10, start=round_number * 100)
            if round_number in (8, 20):
                assert nats_server.process is not None
                nats_server.process.kill()
                nats_server.process.wait()
                await asyncio.sleep(1.5)
                nats_server.start(log_file=tmp_path / "nats.log", sync="always")
            await asyncio.sleep(0.1)

        await eventually(
            lambda: all_applied_once(database.url, ids),
            within=120,
            what=f"{len(ids)} events applied",
            check=lambda: (processes.assert_alive("consumer"), processes.assert_alive("producer")) and None,
        )
        await asyncio.sleep(1.0)
        assert_exactly_once(await applied_counts(database.url), ids)
        assert await scalar(database.url, "SELECT count(*) FROM probe_producer.outbox") == 0
    finally:
        processes.stop_all()
        await engine.dispose()
        nats_server.stop()


async def test_malformed_messages_are_dead_lettered_with_their_reason_and_the_rest_flows(
    backbone: Backbone, jetstream: JetStreamContext
) -> None:
    good_before = await produce(backbone.producer, 20)
    backbone.processes.start("producer")
    backbone.processes.start("consumer")

    valid = ticket_created(999).model_dump(mode="json")
    not_json = b"\xff this is not json"
    wrong_schema = dict(valid, data={"ticket": {"number": 42}})
    unknown_version = dict(valid, id=str(uuid.uuid4()), dataschema="urn:helpdesk:event:ticket_created:v99")
    poison = ticket_created(998, title="poison").to_json()
    client = await nats.connect(jetstream._nc.connected_url.geturl())  # type: ignore[attr-defined]
    try:
        for payload in (not_json, orjson.dumps(wrong_schema), orjson.dumps(unknown_version), poison):
            await client.jetstream().publish("ticket.created.00000000-0000-0000-0000-000000000001", payload)
    finally:
        await client.close()
    good_after = await produce(backbone.producer, 20, start=100)

    await eventually(
        lambda: _dead_letters_at_least(backbone, 4),
        within=60,
        what="4 dead letters",
        check=lambda: backbone.processes.assert_alive("consumer"),
    )
    await eventually(
        lambda: all_applied_once(backbone.admin_url, good_before + good_after),
        within=30,
        what="the good events applied",
    )
    assert_exactly_once(await applied_counts(backbone.admin_url), good_before + good_after)

    connection = await asyncpg.connect(libpq_url(backbone.admin_url))
    try:
        rows = await connection.fetch(
            "SELECT reason, deliveries, consumer, payload FROM probe_consumer.dead_letters"
            " ORDER BY stream_sequence"
        )
    finally:
        await connection.close()
    reasons = [row["reason"] for row in rows]
    assert len(rows) == 4
    assert "not JSON" in reasons[0]
    assert "does not match its schema" in reasons[1]
    assert "unknown version" in reasons[2]
    assert reasons[3].startswith("handler:") and "always fails" in reasons[3]
    # At least max_deliver=3 tries first; on a loaded machine an expired ack wait can add one.
    assert all(row["deliveries"] >= 3 for row in rows), [row["deliveries"] for row in rows]
    assert rows[0]["payload"] == not_json, "the original bytes are kept"
    dead = await jetstream.stream_info("DEAD_LETTERS")
    assert dead.state.messages == 4


async def _dead_letters_at_least(backbone: Backbone, count: int) -> bool:
    return await scalar(backbone.admin_url, "SELECT count(*) FROM probe_consumer.dead_letters") >= count


async def test_inbox_entries_older_than_the_retention_are_pruned(backbone: Backbone) -> None:
    engine = create_engine(backbone.processes.database_urls["consumer"], schema="probe_consumer", pool_size=1)
    connection = await asyncpg.connect(libpq_url(backbone.admin_url))
    try:
        await connection.execute(
            "INSERT INTO probe_consumer.inbox (consumer, event_id, handled_at) "
            "SELECT 'probe-consumer', gen_random_uuid(), now() - interval '40 days' "
            "FROM generate_series(1, 12000)"
        )
        await connection.execute(
            "INSERT INTO probe_consumer.inbox (consumer, event_id) SELECT 'probe-consumer', gen_random_uuid()"
        )
        assert await prune_inbox_once(engine, retention_days=30) == 12000
        assert await connection.fetchval("SELECT count(*) FROM probe_consumer.inbox") == 1
    finally:
        await connection.close()
        await engine.dispose()
