"""Failed sign-ins lock for delays that double: per username and address, per username and known
device, per username against clients it does not know, and per address for unknown usernames."""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, and_, case, delete, or_, select, text, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.config import GatewaySettings
from gateway.identity.errors import TooManyAttempts
from gateway.tables import sign_in_throttles

Scope = Literal["pair", "account", "address", "device"]
# The advisory lock class of sign-in attempts (the second key is the attempt's own).
ATTEMPT_LOCK_CLASS = 0x5157
# Stale rows each failure deletes, so the table stays the size of what is being attacked now.
PRUNE_BATCH = 100
# Doublings past which the delay is the longest anyway (and 2**n would overflow a float).
MOST_DOUBLINGS = 32


def normalized_username(username: str) -> str:
    return username.strip().lower()


def normalized_address(address: str) -> str:
    """IPv6 clients are counted per /64, the block one subscriber gets, so rotating within it gains
    nothing; an IPv4-mapped address is its IPv4 address."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{parsed}/64", strict=False))
    return str(parsed)


@dataclass(frozen=True)
class Attempt:
    """One sign-in, normalized: whose name, from where, and the digest of its device cookie if any."""

    username: str
    address: str
    device: str | None

    def key(self, scope: Scope) -> tuple[str, str, str]:
        sources = {"pair": self.address, "account": "", "address": self.address, "device": self.device or ""}
        return scope, "" if scope == "address" else self.username, sources[scope]


@dataclass(frozen=True)
class Locks:
    """Seconds left on each lock that concerns an attempt (0 when none is in force)."""

    pair: float = 0
    account: float = 0
    address: float = 0
    device: float = 0

    @property
    def shared(self) -> float:
        """The locks that other clients' failures set."""
        return max(self.account, self.address)


async def hold(session: AsyncSession, attempt: Attempt) -> None:
    """One attempt at a time per pair (and per device): parallel guesses would all pass the check
    before any of them is counted. A second one in flight is refused rather than queued, so a flood
    of them cannot hold every database connection."""
    keys = [f"pair {attempt.username} {attempt.address}"]
    if attempt.device:
        keys.append(f"device {attempt.username} {attempt.device}")
    for key in keys:
        held = await session.execute(
            text("SELECT pg_try_advisory_xact_lock(:class, hashtext(:key))"),
            {"class": ATTEMPT_LOCK_CLASS, "key": key},
        )
        if not held.scalar_one():
            raise TooManyAttempts(1)


async def locks_on(session: AsyncSession, attempt: Attempt) -> Locks:
    now = datetime.now(UTC)
    scopes: list[Scope] = ["pair", "account", "address"]
    if attempt.device:
        scopes.append("device")
    rows = await session.execute(
        select(sign_in_throttles.c.scope, sign_in_throttles.c.locked_until).where(
            tuple_(sign_in_throttles.c.scope, sign_in_throttles.c.username, sign_in_throttles.c.source).in_(
                [attempt.key(scope) for scope in scopes]
            ),
            sign_in_throttles.c.locked_until > now,
        )
    )
    return Locks(**{row.scope: (row.locked_until - now).total_seconds() for row in rows})


def refuse(seconds: float) -> TooManyAttempts:
    return TooManyAttempts(max(1, math.ceil(seconds)))


async def count_failure(
    session: AsyncSession, attempt: Attempt, scopes: list[Scope], settings: GatewaySettings
) -> None:
    now = datetime.now(UTC)
    free = {
        "pair": settings.throttle_pair_failures,
        "device": settings.throttle_pair_failures,
        "account": settings.throttle_account_failures,
        "address": settings.throttle_address_failures,
    }
    for scope in scopes:
        failures = await _counted(session, attempt.key(scope), now, settings)
        if failures >= free[scope]:
            doublings = min(failures - free[scope], MOST_DOUBLINGS)
            delay = settings.throttle_first_delay_seconds * 2**doublings
            locked_until = now + timedelta(seconds=min(delay, settings.throttle_longest_delay_seconds))
            await session.execute(
                sign_in_throttles.update().where(_is(attempt.key(scope))).values(locked_until=locked_until)
            )
    await _prune(session, now, settings)


async def forget_failures(session: AsyncSession, attempt: Attempt, scope: Scope) -> None:
    """After a success: the failures of this pair or device were the operator's own."""
    await session.execute(delete(sign_in_throttles).where(_is(attempt.key(scope))))


class ClearedThrottle(BaseModel):
    scope: Scope = Field(
        description="pair: a username from an address; account: a username from clients it does not "
        "know; address: unknown usernames from an address; device: a username from a known device."
    )
    username: str | None
    address: str | None
    failures: int = Field(description="Failures counted in the current window.")
    locked_until: datetime | None = Field(description="When the lock would have ended, if one was set.")


async def clear(session: AsyncSession, *, username: str | None, address: str | None) -> list[ClearedThrottle]:
    """Every count and lock matching both filters that are given (an administrator's unlock)."""
    conditions: list[ColumnElement[bool]] = []
    if username is not None:
        conditions.append(sign_in_throttles.c.username == normalized_username(username))
    if address is not None:
        conditions.append(
            and_(
                sign_in_throttles.c.source == normalized_address(address),
                sign_in_throttles.c.scope.in_(["pair", "address"]),
            )
        )
    deleted = await session.execute(
        delete(sign_in_throttles).where(*conditions).returning(*sign_in_throttles.c)
    )
    return sorted(
        (
            ClearedThrottle(
                scope=row.scope,
                username=row.username or None,
                address=row.source if row.scope in ("pair", "address") else None,
                failures=row.failures,
                locked_until=row.locked_until,
            )
            for row in deleted
        ),
        key=lambda cleared: (cleared.scope, cleared.username or "", cleared.address or ""),
    )


async def _counted(
    session: AsyncSession, key: tuple[str, str, str], now: datetime, settings: GatewaySettings
) -> int:
    """Adds the failure to the key's count (a fresh count after a quiet window); the new count."""
    quiet = sign_in_throttles.c.last_failure_at < now - timedelta(minutes=settings.throttle_window_minutes)
    scope, username, source = key
    statement = (
        insert(sign_in_throttles)
        .values(scope=scope, username=username, source=source, failures=1, last_failure_at=now)
        .on_conflict_do_update(
            index_elements=[
                sign_in_throttles.c.scope,
                sign_in_throttles.c.username,
                sign_in_throttles.c.source,
            ],
            set_={
                "failures": case((quiet, 1), else_=sign_in_throttles.c.failures + 1),
                "last_failure_at": now,
            },
        )
        .returning(sign_in_throttles.c.failures)
    )
    return int((await session.execute(statement)).scalar_one())


async def _prune(session: AsyncSession, now: datetime, settings: GatewaySettings) -> None:
    stale = (
        select(sign_in_throttles.c.scope, sign_in_throttles.c.username, sign_in_throttles.c.source)
        .where(
            sign_in_throttles.c.last_failure_at < now - timedelta(minutes=settings.throttle_window_minutes),
            or_(sign_in_throttles.c.locked_until.is_(None), sign_in_throttles.c.locked_until < now),
        )
        .limit(PRUNE_BATCH)
        .with_for_update(skip_locked=True)
    )
    await session.execute(
        delete(sign_in_throttles).where(
            tuple_(sign_in_throttles.c.scope, sign_in_throttles.c.username, sign_in_throttles.c.source).in_(
                stale
            )
        )
    )


def _is(key: tuple[str, str, str]) -> ColumnElement[bool]:
    scope, username, source = key
    return and_(
        sign_in_throttles.c.scope == scope,
        sign_in_throttles.c.username == username,
        sign_in_throttles.c.source == source,
    )
