"""Work that repeats until the process stops: the one loop every scheduled job and back-off uses."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


async def sleep_unless_stopped(stop: asyncio.Event, seconds: float) -> bool:
    """Waits `seconds`, or less when `stop` is set meanwhile; True when it is."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    return stop.is_set()


async def every(
    seconds: float, stop: asyncio.Event, work: Callable[[], Awaitable[object]], *, what: str
) -> None:
    """`work` at once and then every `seconds` until `stop`. A round that fails is logged and the next
    one comes as planned: a scheduled job outlives a passing database or bus failure."""
    while not stop.is_set():
        try:
            await work()
        except Exception:
            log.exception("%s failed; trying again in %g s", what, seconds)
        await sleep_unless_stopped(stop, seconds)
