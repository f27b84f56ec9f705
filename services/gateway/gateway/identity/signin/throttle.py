"""Failed sign-ins slow down and then lock out, per account name (known or not) and per address."""

from __future__ import annotations

import asyncio
import math
from datetime import UTC, datetime, timedelta

from sqlalchemy import case, delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.config import GatewaySettings
from gateway.identity.errors import TooManyAttempts
from gateway.tables import login_throttles


def throttle_keys(username: str, address: str) -> dict[str, str]:
    return {"account": f"user:{username.strip().lower()}", "address": f"address:{address}"}


async def refuse_if_locked(session: AsyncSession, keys: dict[str, str]) -> None:
    now = datetime.now(UTC)
    rows = await session.execute(
        select(login_throttles.c.locked_until).where(login_throttles.c.key.in_(keys.values()))
    )
    locked_until = max((row.locked_until for row in rows if row.locked_until), default=None)
    if locked_until and locked_until > now:
        raise TooManyAttempts(math.ceil((locked_until - now).total_seconds()))


async def record_failure(session: AsyncSession, keys: dict[str, str], settings: GatewaySettings) -> int:
    """Counts the failure under both keys, locks a key past its limit; returns the account's count."""
    now = datetime.now(UTC)
    window_start = now - timedelta(minutes=settings.throttle_window_minutes)
    limits = {"account": settings.throttle_account_failures, "address": settings.throttle_address_failures}
    account_failures = 0
    for kind, key in keys.items():
        fresh_window = login_throttles.c.window_started_at < window_start
        statement = (
            insert(login_throttles)
            .values(key=key, failures=1, window_started_at=now)
            .on_conflict_do_update(
                index_elements=[login_throttles.c.key],
                set_={
                    "failures": case((fresh_window, 1), else_=login_throttles.c.failures + 1),
                    "window_started_at": case((fresh_window, now), else_=login_throttles.c.window_started_at),
                },
            )
            .returning(login_throttles.c.failures)
        )
        failures = (await session.execute(statement)).scalar_one()
        if failures >= limits[kind]:
            lock_until = now + timedelta(minutes=settings.throttle_lock_minutes)
            await session.execute(
                login_throttles.update().where(login_throttles.c.key == key).values(locked_until=lock_until)
            )
        if kind == "account":
            account_failures = failures
    return account_failures


async def slow_down(failures: int, settings: GatewaySettings) -> None:
    """Each further failure answers a little later, which makes guessing expensive without locking."""
    await asyncio.sleep(
        min(settings.throttle_delay_step_seconds * failures, settings.throttle_delay_max_seconds)
    )


async def forget_account_failures(session: AsyncSession, keys: dict[str, str]) -> None:
    await session.execute(delete(login_throttles).where(login_throttles.c.key == keys["account"]))
