"""When a delivery is tried again (issue 17, part 3): the backoff doubles with a quarter of jitter up
to its longest, a receiver's Retry-After (seconds or an HTTP date) is taken as asked, and nothing is
tried past the give-up window."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from notifier.config import NotifierSettings
from notifier.deliveries.schedule import next_attempt_at, retry_after_seconds, retry_delay

SETTINGS = NotifierSettings(
    webhook_retry_first_seconds=30, webhook_retry_longest_seconds=3600, webhook_give_up_after_seconds=86400
)
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def test_the_delay_doubles_within_a_quarter_of_jitter_up_to_the_longest() -> None:
    rng = random.Random(7)
    for attempts, base in [(1, 30), (2, 60), (3, 120), (8, 3600), (30, 3600)]:
        delay = retry_delay(attempts, SETTINGS, rng)
        assert base * 0.75 <= delay <= base * 1.25, (attempts, delay)


def test_retry_after_is_read_as_seconds_or_as_a_date() -> None:
    assert retry_after_seconds("120", NOW) == 120
    assert retry_after_seconds(format_datetime(NOW + timedelta(minutes=5), usegmt=True), NOW) == 300
    assert retry_after_seconds(format_datetime(NOW - timedelta(minutes=5), usegmt=True), NOW) == 0
    assert retry_after_seconds("soon", NOW) is None
    assert retry_after_seconds(None, NOW) is None


def test_retry_after_is_honoured_and_the_give_up_window_ends_the_retries() -> None:
    queued_at = NOW - timedelta(hours=1)
    at = next_attempt_at(attempts=1, queued_at=queued_at, now=NOW, settings=SETTINGS, retry_after="600")
    assert at == NOW + timedelta(seconds=600)
    late = NOW - timedelta(hours=23, minutes=59)
    assert next_attempt_at(attempts=20, queued_at=late, now=NOW, settings=SETTINGS, retry_after=None) is None
    assert next_attempt_at(attempts=1, queued_at=NOW, now=NOW, settings=SETTINGS, retry_after="90000") is None
