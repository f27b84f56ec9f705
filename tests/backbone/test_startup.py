"""A worker that starts while NATS is restarting (or its JetStream is not ready yet) waits for it
instead of dying: the stream and consumer declarations are tried again until NATS answers. Found by
the NATS-restart test, whose producer once started in the very second NATS was killed."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

import nats
import pytest

from helpdesk_common.bus.topology import STREAMS, declare_when_available
from helpdesk_common.embedded import EmbeddedNats, free_port
from tests.backbone import probe


async def test_declarations_wait_for_a_nats_that_is_restarting_then_declare_everything(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    server = EmbeddedNats(tmp_path / "nats", free_port()).start(log_file=tmp_path / "nats.log")
    client = await nats.connect(server.url, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
    # Requests give up after 0.5 s, so NATS down for 2 s fails several attempts, not one slow one.
    js = client.jetstream(timeout=0.5)
    try:
        server.stop()

        async def restart_later() -> None:
            await asyncio.sleep(2.0)
            server.start(log_file=tmp_path / "nats.log")

        restarting = asyncio.create_task(restart_later())
        with caplog.at_level(logging.WARNING, logger="helpdesk_common.bus.topology"):
            declared = await asyncio.wait_for(
                declare_when_available(
                    js, [probe.CONSUMER_SPEC], replicas=1, stop=asyncio.Event(), first_wait_seconds=0.1
                ),
                timeout=60,
            )
        await restarting
        assert declared
        assert any("NATS did not answer" in record.getMessage() for record in caplog.records)
        assert {info.config.name for info in await js.streams_info()} >= {spec.name for spec in STREAMS}
        consumer = await js.consumer_info(probe.CONSUMER_SPEC.stream, probe.CONSUMER_SPEC.durable)
        assert consumer.config.durable_name == probe.CONSUMER_SPEC.durable
    finally:
        await client.close()
        server.stop()


async def test_a_stop_asked_for_while_waiting_for_nats_ends_the_wait(tmp_path: Path) -> None:
    server = EmbeddedNats(tmp_path / "nats", free_port()).start(log_file=tmp_path / "nats.log")
    client = await nats.connect(server.url, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
    js = client.jetstream(timeout=0.3)
    try:
        server.stop()
        stop = asyncio.Event()
        asyncio.get_running_loop().call_later(1.0, stop.set)
        declared = await asyncio.wait_for(
            declare_when_available(js, [], replicas=1, stop=stop, first_wait_seconds=0.1), timeout=10
        )
        assert declared is False
    finally:
        # nats-py's close flushes first, and a client still reconnecting has no socket to flush to.
        with contextlib.suppress(ConnectionResetError):
            await client.close()
        server.stop()
