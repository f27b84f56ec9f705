"""When the next try of a message comes: exponential backoff with jitter, bounded in all."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from mail_gateway.config import MailGatewaySettings

JITTER = 0.25


def retry_delay(attempts: int, settings: MailGatewaySettings, rng: random.Random | None = None) -> float:
    """After `attempts` tries: the first delay doubled per try up to the longest, give or take a
    quarter, so the senders of a crowd of refused messages do not all come back at once."""
    base = min(
        settings.send_retry_first_seconds * 2 ** max(attempts - 1, 0), settings.send_retry_longest_seconds
    )
    return base * (1 + (rng or random).uniform(-JITTER, JITTER))


def next_attempt_at(
    *, attempts: int, queued_at: datetime, now: datetime, settings: MailGatewaySettings
) -> datetime | None:
    """None when the next try would come later than the message may wait in all: it has failed."""
    at = now + timedelta(seconds=retry_delay(attempts, settings))
    if at - queued_at > timedelta(seconds=settings.send_give_up_after_seconds):
        return None
    return at
