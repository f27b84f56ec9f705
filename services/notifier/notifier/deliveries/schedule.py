"""When the next try of a delivery comes: exponential backoff with jitter, or the receiver's own
Retry-After; bounded in all by the give-up window."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

from notifier.config import NotifierSettings

JITTER = 0.25


def retry_delay(attempts: int, settings: NotifierSettings, rng: random.Random | None = None) -> float:
    """After `attempts` tries: the first delay doubled per try up to the longest, give or take a
    quarter, so the retries of a receiver that was down do not all come back at once."""
    base = min(
        settings.webhook_retry_first_seconds * 2 ** max(attempts - 1, 0),
        settings.webhook_retry_longest_seconds,
    )
    return base * (1 + (rng or random).uniform(-JITTER, JITTER))


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """A Retry-After header (seconds, or an HTTP date) as seconds from now; None when absent or
    unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        at = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if at.tzinfo is None:
        return None
    return max((at - now).total_seconds(), 0.0)


def next_attempt_at(
    *, attempts: int, queued_at: datetime, now: datetime, settings: NotifierSettings, retry_after: str | None
) -> datetime | None:
    """None when the next try would come later than the delivery may wait in all: it has failed."""
    asked = retry_after_seconds(retry_after, now)
    delay = asked if asked is not None else retry_delay(attempts, settings)
    at = now + timedelta(seconds=delay)
    if at - queued_at > timedelta(seconds=settings.webhook_give_up_after_seconds):
        return None
    return at
