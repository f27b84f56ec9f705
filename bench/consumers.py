"""The platform's pull loop (bus/pull.py) against FastStream's batch pull subscriber, on the same stream.

Each drains the same number of stored messages from a durable consumer of its own, acknowledging every
one, with a handler that does nothing: what it shows is the cost of getting a message to a handler
and acknowledged, the part a framework would add to every event of `make bench-backbone`. Both run
with uvloop in this process, one after the other, against one embedded NATS.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import nats
import uvloop
from faststream.middlewares import AckPolicy as FastStreamAckPolicy
from faststream.nats import NatsBroker, PullSub
from nats.js.api import AckPolicy, ConsumerConfig, StreamConfig

from bench.report import machine_info
from helpdesk_common.bus.pull import PullBatches
from helpdesk_common.embedded import EmbeddedNats, free_port

RESULTS = Path(__file__).parent / "results"
PAYLOAD = b"x" * 800  # about an event envelope's size
BATCH = 256  # HELPDESK_CONSUMER_BATCH_SIZE's default
BATCH_TIMEOUT_SECONDS = 0.05  # HELPDESK_CONSUMER_BATCH_TIMEOUT_SECONDS's default


@dataclass(frozen=True)
class Drained:
    loop: str
    messages: int
    per_second: float
    cpu_us_per_message: float


async def _store(url: str, stream: str, count: int) -> None:
    client = await nats.connect(url)
    js = client.jetstream()
    await js.add_stream(StreamConfig(name=stream, subjects=[f"{stream.lower()}.>"]))
    for _ in range(count):
        await js.publish_async(f"{stream.lower()}.event", PAYLOAD)
    await js.publish_async_completed()
    config = ConsumerConfig(durable_name="bench", ack_policy=AckPolicy.EXPLICIT, max_ack_pending=4096)
    await js.add_consumer(stream, config)
    await client.close()


async def _ours(url: str, count: int) -> Drained:
    client = await nats.connect(url)
    pull = PullBatches(client, "OURS", "bench")
    started, cpu = time.perf_counter(), time.process_time()
    drained = 0
    while drained < count:
        messages = await pull.fetch(BATCH, BATCH_TIMEOUT_SECONDS)
        for message in messages:
            await message.ack()
        drained += len(messages)
    elapsed, used = time.perf_counter() - started, time.process_time() - cpu
    await pull.close()
    await client.close()
    return Drained("platform pull loop (bus/pull.py)", drained, drained / elapsed, used / drained * 1e6)


async def _faststream(url: str, count: int) -> Drained:
    broker = NatsBroker(url, ack_policy=FastStreamAckPolicy.NACK_ON_ERROR, logger=None)
    done = asyncio.Event()
    drained = 0

    @broker.subscriber(
        "faststream.>",
        stream="FASTSTREAM",
        durable="bench",
        pull_sub=PullSub(batch_size=BATCH, timeout=BATCH_TIMEOUT_SECONDS, batch=True),
    )
    async def handle(messages: list[bytes]) -> None:
        nonlocal drained
        drained += len(messages)
        if drained >= count:
            done.set()

    started, cpu = time.perf_counter(), time.process_time()
    await broker.start()
    await done.wait()
    elapsed, used = time.perf_counter() - started, time.process_time() - cpu
    await broker.stop()
    return Drained("FastStream batch pull subscriber", drained, drained / elapsed, used / drained * 1e6)


async def _measure(count: int) -> list[Drained]:
    with tempfile.TemporaryDirectory() as work:
        server = EmbeddedNats(Path(work) / "nats", free_port()).start()
        try:
            await _store(server.url, "OURS", count)
            await _store(server.url, "FASTSTREAM", count)
            return [await _ours(server.url, count), await _faststream(server.url, count)]
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.consumers", description=__doc__)
    parser.add_argument("--messages", type=int, default=40_000, help="messages each loop drains")
    options = parser.parse_args()
    results = uvloop.run(_measure(options.messages))
    print("Consumer loops: stored messages to an acknowledged handler call")
    for result in results:
        print(
            f"  {result.loop:<40}{result.per_second:>10,.0f} messages/s"
            f"{result.cpu_us_per_message:>8.1f} µs CPU per message"
        )
    ours, theirs = results
    print(f"  FastStream adds {theirs.cpu_us_per_message - ours.cpu_us_per_message:.1f} µs per message")
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    document = {"machine": machine_info(), "results": [asdict(result) for result in results]}
    (RESULTS / f"consumers-{stamp}.json").write_text(json.dumps(document, indent=2))


if __name__ == "__main__":
    sys.exit(main())
