"""The relay's publisher against real JetStream: stored is stored, refused is refused, nothing else."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from nats.js import JetStreamContext

from helpdesk_common.bus.publisher import AckedPublisher, PublishRefused


async def test_many_publishes_in_flight_each_learn_their_own_fate(jetstream: JetStreamContext) -> None:
    publisher = AckedPublisher(jetstream._nc)
    ids = [str(uuid.uuid4()) for _ in range(300)]
    futures = [
        await publisher.publish(f"ticket.created.{n % 3}", b'{"n": %d}' % n, {"Nats-Msg-Id": event_id})
        for n, event_id in enumerate(ids)
    ]
    # A duplicate (same Nats-Msg-Id) was stored before: JetStream drops it and says so, which is success.
    futures.append(await publisher.publish("ticket.created.0", b"again", {"Nats-Msg-Id": ids[0]}))
    await asyncio.wait_for(asyncio.gather(*futures), timeout=10)
    assert (await jetstream.stream_info("TICKET_EVENTS")).state.messages == 300
    assert not publisher._pending, "answered futures leave the table"


async def test_a_subject_no_stream_takes_is_refused(jetstream: JetStreamContext) -> None:
    publisher = AckedPublisher(jetstream._nc)
    refused = await publisher.publish("nobody.listens.here", b"{}", {"Nats-Msg-Id": "x"})
    with pytest.raises(PublishRefused, match="no stream"):
        await asyncio.wait_for(refused, timeout=5)


async def test_a_refusal_by_the_stream_is_reported(jetstream: JetStreamContext) -> None:
    publisher = AckedPublisher(jetstream._nc)
    wrong_stream = {"Nats-Msg-Id": "y", "Nats-Expected-Stream": "SOME_OTHER_STREAM"}
    refused = await publisher.publish("ticket.created.1", b"{}", wrong_stream)
    with pytest.raises(PublishRefused, match="stream"):
        await asyncio.wait_for(refused, timeout=5)


async def test_a_future_given_up_on_leaves_the_table(jetstream: JetStreamContext) -> None:
    publisher = AckedPublisher(jetstream._nc)
    future = await publisher.publish("ticket.created.2", b"{}", {"Nats-Msg-Id": str(uuid.uuid4())})
    future.cancel()
    await asyncio.sleep(0.2)
    assert not publisher._pending
