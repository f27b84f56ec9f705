"""Every JetStream stream and durable consumer of the platform, declared in this one place."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import nats.errors
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import NotFoundError, ServiceUnavailableError

from helpdesk_common.periodic import sleep_unless_stopped

log = logging.getLogger(__name__)

DAY = 24 * 3600

# What a NATS that is restarting, or whose JetStream is not ready yet, answers: a worker starting at
# that moment waits it out instead of dying (nats.errors.TimeoutError is a TimeoutError).
BUS_UNAVAILABLE = (
    TimeoutError,
    nats.errors.NoRespondersError,
    nats.errors.ConnectionClosedError,
    ServiceUnavailableError,
)


@dataclass(frozen=True)
class StreamSpec:
    name: str
    subjects: list[str]
    max_age_seconds: float = 14 * DAY
    # JetStream drops a message whose Nats-Msg-Id it saw within this window: a relay that
    # re-publishes after a crash is harmless inside it, and the inbox catches the rest.
    duplicate_window_seconds: float = 600

    def config(self, replicas: int) -> StreamConfig:
        return StreamConfig(
            name=self.name,
            subjects=self.subjects,
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            max_age=self.max_age_seconds,
            duplicate_window=self.duplicate_window_seconds,
            num_replicas=replicas,
        )


@dataclass(frozen=True)
class ConsumerSpec:
    """A durable pull consumer; every worker process of one kind binds to the same one."""

    durable: str
    stream: str
    filter_subject: str
    ack_wait_seconds: float = 30.0
    max_ack_pending: int = 2048
    description: str = ""
    # First created at the stream's end rather than its start: for a service that learns the past
    # another way (the SLA engine asks ticketing for the tickets as they are now).
    deliver_new: bool = False

    def config(self) -> ConsumerConfig:
        # No server-side max_deliver: the server would silently stop delivering a message after
        # it, even when the tries were spent during a database outage. The consumer runtime
        # bounds handler failures itself and dead-letters with a record (bus/consumer.py).
        return ConsumerConfig(
            durable_name=self.durable,
            description=self.description or None,
            filter_subject=self.filter_subject,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.NEW if self.deliver_new else DeliverPolicy.ALL,
            ack_wait=self.ack_wait_seconds,
            max_ack_pending=self.max_ack_pending,
            max_deliver=-1,
        )


STREAMS: tuple[StreamSpec, ...] = (
    StreamSpec("TICKET_EVENTS", ["ticket.>"]),
    StreamSpec("IDENTITY", ["identity.>"]),
    StreamSpec("TICKETING", ["ticketing.>"]),
    StreamSpec("MAIL", ["mail.>"]),
    StreamSpec("SLA", ["sla.>"]),
    StreamSpec("TIME", ["time.>"]),
    StreamSpec("ITSM", ["itsm.>"]),
    StreamSpec("ALERTS", ["alerts.>"]),
    StreamSpec("INVENTORY", ["inventory.>"]),
    StreamSpec("DEAD_LETTERS", ["deadletter.>"], max_age_seconds=90 * DAY),
)

# Durable consumers, by name. Services add theirs here as their domains arrive, so the whole
# topology of the platform can be read (and the AsyncAPI document generated) from one module.
CONSUMERS: dict[str, ConsumerSpec] = {}


def declare_consumer(spec: ConsumerSpec) -> ConsumerSpec:
    CONSUMERS[spec.durable] = spec
    return spec


def dead_letter_subject(consumer: str) -> str:
    return f"deadletter.{consumer}"


async def ensure_streams(js: JetStreamContext, *, replicas: int = 1) -> None:
    for spec in STREAMS:
        config = spec.config(replicas)
        try:
            await js.stream_info(spec.name)
        except NotFoundError:
            await js.add_stream(config)
        else:
            await js.update_stream(config)


async def ensure_consumer(js: JetStreamContext, spec: ConsumerSpec) -> None:
    try:
        await js.consumer_info(spec.stream, spec.durable)
    except NotFoundError:
        await js.add_consumer(spec.stream, spec.config())


async def declare_when_available(
    js: JetStreamContext,
    consumers: Sequence[ConsumerSpec],
    *,
    replicas: int,
    stop: asyncio.Event,
    first_wait_seconds: float = 0.5,
    longest_wait_seconds: float = 5.0,
) -> bool:
    """The streams and a process's durable consumers, tried again until NATS answers; False when the
    process is asked to stop before it does."""
    wait = first_wait_seconds
    while True:
        try:
            await ensure_streams(js, replicas=replicas)
            for spec in consumers:
                await ensure_consumer(js, spec)
            return True
        except BUS_UNAVAILABLE as error:
            log.warning("NATS did not answer the stream declarations (%r); again in %.1f s", error, wait)
        if await sleep_unless_stopped(stop, wait):
            return False
        wait = min(wait * 2, longest_wait_seconds)
