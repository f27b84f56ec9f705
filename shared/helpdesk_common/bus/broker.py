"""The FastStream broker every process uses, with the platform's defaults set once."""

from __future__ import annotations

import logging

from faststream.middlewares import AckPolicy
from faststream.nats import NatsBroker
from faststream.nats.opentelemetry import NatsTelemetryMiddleware
from nats.aio.client import Client
from nats.js import JetStreamContext

MINIMUM_SERVER_VERSION = (2, 9, 0)


class UnsupportedServer(RuntimeError):
    pass


# FastStream reports every finished subscriber task at INFO; only its warnings and errors matter here.
logging.getLogger("helpdesk.bus").setLevel(logging.WARNING)


class _Reconnections:
    """How many times this process's brokers have connected again after losing the server. A relay
    that keeps published rows (see bus/relay.py) publishes them again after each: the server may be
    a restarted one that lost what it had not yet written to disk."""

    count = 0

    @classmethod
    async def happened(cls) -> None:
        cls.count += 1


def reconnections() -> int:
    return _Reconnections.count


def create_broker(url: str, *, name: str) -> NatsBroker:
    # NACK_ON_ERROR, not FastStream's default: a handler that raises must be redelivered,
    # never terminated (a passing database error would otherwise lose the event).
    return NatsBroker(
        url,
        name=name,
        ack_policy=AckPolicy.NACK_ON_ERROR,
        middlewares=[NatsTelemetryMiddleware()],
        max_reconnect_attempts=-1,
        reconnect_time_wait=1,
        reconnected_cb=_Reconnections.happened,
        graceful_timeout=10.0,
        # A plain logger: FastStream's default one prints coloured text past our JSON handler.
        logger=logging.getLogger("helpdesk.bus"),
    )


def nats_client(broker: NatsBroker) -> Client:
    return broker.config.connection_state.connection


def jetstream(broker: NatsBroker) -> JetStreamContext:
    return broker.config.connection_state.stream


def check_server_version(client: Client) -> None:
    version = client.connected_server_version
    found = (version.major, version.minor, version.patch)
    if found < MINIMUM_SERVER_VERSION:
        raise UnsupportedServer(
            f"NATS server {found} is older than {MINIMUM_SERVER_VERSION}; JetStream features "
            "this platform relies on need 2.9 or newer"
        )
