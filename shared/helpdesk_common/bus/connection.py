"""The NATS connection of a process, with the platform's options set once.

A plain nats-py client: the relay publishes with `bus/publisher.py` and consumers pull with
`bus/pull.py` and `bus/consumer.py`, so no framework sits between them and the client (see
docs/architecture.md, "The bus without FastStream", for the measurements and upstream issues behind
that, and when to look again).
"""

from __future__ import annotations

import logging

import nats
from nats.aio.client import Client

MINIMUM_SERVER_VERSION = (2, 9, 0)

log = logging.getLogger(__name__)


class UnsupportedServer(RuntimeError):
    pass


class _Reconnections:
    """How many times this process's connections were made again after losing the server. A relay
    that keeps published rows (see bus/relay.py) publishes them again after each: the server may be
    a restarted one that lost what it had not yet written to disk."""

    count = 0

    @classmethod
    async def happened(cls) -> None:
        cls.count += 1
        log.info("connected to NATS again")


def reconnections() -> int:
    return _Reconnections.count


async def _lost(error: Exception) -> None:
    log.warning("NATS connection: %r", error)


async def connect(url: str, *, name: str) -> Client:
    """Connected, or waiting until NATS answers; once connected, reconnecting for ever."""
    return await nats.connect(
        url,
        name=name,
        max_reconnect_attempts=-1,
        reconnect_time_wait=1,
        reconnected_cb=_Reconnections.happened,
        error_cb=_lost,
    )


def check_server_version(client: Client) -> None:
    version = client.connected_server_version
    found = (version.major, version.minor, version.patch)
    if found < MINIMUM_SERVER_VERSION:
        raise UnsupportedServer(
            f"NATS server {found} is older than {MINIMUM_SERVER_VERSION}; JetStream features "
            "this platform relies on need 2.9 or newer"
        )
