"""Who polls which mailbox: a lease on the mailbox row (`lease_holder`, `lease_expires_at`), taken
when free or expired, renewed while the holder works, released when it stops. Every write the
holder makes to the row checks that it still holds it, so a poller that lost its lease (it stalled
past the expiry and another took over) can change nothing."""

from __future__ import annotations

import math
import os
import secrets
import socket
import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


class LeaseLost(Exception):
    """Another poller holds the mailbox now; the work in hand is rolled back."""


def holder_name() -> str:
    """Unique per process and start, readable for administrators (host and pid)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


# A mailbox is polled while it is enabled, has a server, and its department is not disabled or
# removed in ticketing (the departments projection): mail to a disabled department waits on the server.
_POLLED = (
    "enabled AND imap_host <> '' AND NOT EXISTS (SELECT 1 FROM departments AS d "
    "WHERE d.id = mailboxes.department_id AND (NOT d.enabled OR d.removed_at IS NOT NULL))"
)
_TAKE = text(
    "UPDATE mailboxes SET lease_holder = :holder, lease_expires_at = now() + make_interval(secs => :seconds) "
    "WHERE department_id IN (SELECT department_id FROM mailboxes "
    f"WHERE {_POLLED} AND (lease_holder IS NULL OR lease_expires_at < now()) "
    "ORDER BY lease_expires_at NULLS FIRST, department_id LIMIT :limit FOR UPDATE SKIP LOCKED) "
    "RETURNING department_id"
)
_RENEW = text(
    "UPDATE mailboxes SET lease_expires_at = now() + make_interval(secs => :seconds) "
    f"WHERE lease_holder = :holder AND department_id = ANY(:held) AND {_POLLED} "
    "RETURNING department_id"
)
_RELEASE = text(
    "UPDATE mailboxes SET lease_holder = NULL, lease_expires_at = NULL "
    "WHERE lease_holder = :holder AND department_id = ANY(:released)"
)
_RELEASE_ALL = text(
    "UPDATE mailboxes SET lease_holder = NULL, lease_expires_at = NULL WHERE lease_holder = :holder"
)


_PRESENT = text(
    "INSERT INTO pollers (holder) VALUES (:holder) ON CONFLICT (holder) DO UPDATE SET seen_at = now()"
)
# Pollers not seen for a few lease periods are gone (killed): their rows are dropped.
_FORGET_GONE = text("DELETE FROM pollers WHERE seen_at < now() - make_interval(secs => 3 * :seconds)")
_ABSENT = text("DELETE FROM pollers WHERE holder = :holder")
_CENSUS = text(
    f"SELECT (SELECT count(*) FROM mailboxes WHERE {_POLLED}) AS mailboxes, "
    "(SELECT count(*) FROM pollers WHERE seen_at > now() - make_interval(secs => :seconds) "
    "AND holder <> :holder) AS others"
)


async def fair_share(engine: AsyncEngine, *, holder: str, seconds: float, most: int) -> int:
    """Says this poller is alive, and how many mailboxes it should hold: an even part of them among the
    pollers alive, so that starting another poller spreads the load."""
    async with engine.begin() as connection:
        await connection.execute(_PRESENT, {"holder": holder})
        await connection.execute(_FORGET_GONE, {"seconds": seconds})
        row = (await connection.execute(_CENSUS, {"holder": holder, "seconds": seconds})).one()
    return min(most, math.ceil(row.mailboxes / (row.others + 1)))


async def take(engine: AsyncEngine, *, holder: str, seconds: float, limit: int) -> list[uuid.UUID]:
    """Free or expired mailboxes, at most `limit`; a mailbox another poller is taking is skipped."""
    if limit <= 0:
        return []
    async with engine.begin() as connection:
        rows = await connection.execute(_TAKE, {"holder": holder, "seconds": seconds, "limit": limit})
        return [row[0] for row in rows]


async def renew(engine: AsyncEngine, *, holder: str, seconds: float, held: list[uuid.UUID]) -> set[uuid.UUID]:
    """The mailboxes still held (and still to be polled); the others were lost, disabled or deleted."""
    if not held:
        return set()
    async with engine.begin() as connection:
        rows = await connection.execute(_RENEW, {"holder": holder, "seconds": seconds, "held": held})
        return {row[0] for row in rows}


async def release(engine: AsyncEngine, *, holder: str, released: list[uuid.UUID] | None = None) -> None:
    """Lets the mailboxes go at once (a stopping poller's successor need not wait for the expiry); all
    of them, and the poller's presence, when it stops."""
    async with engine.begin() as connection:
        if released is None:
            await connection.execute(_RELEASE_ALL, {"holder": holder})
            await connection.execute(_ABSENT, {"holder": holder})
        elif released:
            await connection.execute(_RELEASE, {"holder": holder, "released": released})
