"""The consumers' pull loop against a real JetStream: one request per batch, held open by the server."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import nats
import pytest
from nats.aio.client import Client
from nats.js.api import AckPolicy, ConsumerConfig, StreamConfig

from helpdesk_common.bus.pull import PullBatches, PullRefused
from helpdesk_common.testing.plugin import TestServers

STREAM = "PULL_TEST"


@pytest.fixture
async def client(servers: TestServers) -> AsyncIterator[Client]:
    connection = await nats.connect(servers.nats_url)
    js = connection.jetstream()
    try:
        await js.delete_stream(STREAM)
    except nats.js.errors.NotFoundError:
        pass
    await js.add_stream(StreamConfig(name=STREAM, subjects=["pull.test.>"]))
    await js.add_consumer(STREAM, ConsumerConfig(durable_name="reader", ack_policy=AckPolicy.EXPLICIT))
    yield connection
    await js.delete_stream(STREAM)
    await connection.close()


async def _publish(client: Client, count: int, start: int = 0) -> None:
    js = client.jetstream()
    for n in range(start, start + count):
        await js.publish("pull.test.x", str(n).encode())


async def test_a_batch_takes_what_is_there_at_once(client: Client) -> None:
    await _publish(client, 30)
    pull = PullBatches(client, STREAM, "reader")
    started = time.monotonic()
    first = await pull.fetch(10, 5.0)
    rest = await pull.fetch(100, 0.2)
    # Ten were asked for and there: no waiting for the five seconds.
    assert time.monotonic() - started < 2.0
    assert [m.data for m in first] == [str(n).encode() for n in range(10)]
    assert [m.data for m in rest] == [str(n).encode() for n in range(10, 30)]
    for message in first + rest:
        await message.ack()
    await pull.close()


async def test_an_empty_stream_gives_an_empty_batch_after_the_wait(client: Client) -> None:
    pull = PullBatches(client, STREAM, "reader")
    started = time.monotonic()
    assert await pull.fetch(10, 0.3) == []
    waited = time.monotonic() - started
    assert 0.25 <= waited < 1.5
    await pull.close()


async def test_messages_that_arrive_during_the_wait_join_the_batch(client: Client) -> None:
    pull = PullBatches(client, STREAM, "reader")

    async def later() -> None:
        await asyncio.sleep(0.2)
        await _publish(client, 3)

    publisher = asyncio.create_task(later())
    batch = await pull.fetch(3, 5.0)
    await publisher
    # All three came: the batch ends as soon as it is full, long before the five seconds.
    assert [m.data for m in batch] == [b"0", b"1", b"2"]
    await pull.close()


async def test_unacknowledged_messages_come_again_and_acked_ones_do_not(client: Client) -> None:
    await client.jetstream().delete_consumer(STREAM, "reader")
    await client.jetstream().add_consumer(
        STREAM, ConsumerConfig(durable_name="reader", ack_policy=AckPolicy.EXPLICIT, ack_wait=1.0)
    )
    await _publish(client, 4)
    pull = PullBatches(client, STREAM, "reader")
    batch = await pull.fetch(4, 1.0)
    await batch[0].ack()
    await batch[1].ack()
    again = await pull.fetch(2, 3.0)
    assert sorted(m.data for m in again) == [b"2", b"3"]
    await pull.close()


async def test_a_refused_request_raises_at_once_instead_of_waiting(client: Client) -> None:
    # One waiting request at most: a second reader's request is refused (409 Exceeded MaxWaiting).
    await client.jetstream().delete_consumer(STREAM, "reader")
    await client.jetstream().add_consumer(
        STREAM, ConsumerConfig(durable_name="reader", ack_policy=AckPolicy.EXPLICIT, max_waiting=1)
    )
    waiting, refused = PullBatches(client, STREAM, "reader"), PullBatches(client, STREAM, "reader")
    first = asyncio.create_task(waiting.fetch(5, 1.0))
    await asyncio.sleep(0.1)
    started = time.monotonic()
    with pytest.raises(PullRefused, match="409"):
        await refused.fetch(5, 3.0)
    assert time.monotonic() - started < 1.0
    assert await first == []
    await waiting.close()
    await refused.close()


async def test_a_consumer_that_does_not_exist_is_never_waited_for_long(client: Client) -> None:
    # NATS 2.10 and later answer 503 (no responders), 2.9 stays silent: a refusal the caller backs off
    # from, or an empty batch after the wait; never messages, never a hang.
    pull = PullBatches(client, STREAM, "nobody")
    started = time.monotonic()
    try:
        assert await pull.fetch(5, 0.2) == []
    except PullRefused as refusal:
        assert str(refusal).startswith("503")
    assert time.monotonic() - started < 1.5
    await pull.close()
