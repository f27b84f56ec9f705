"""Per-source admission over HTTP: a token bucket per source in each process (its `rate_per_minute`,
a minute's worth of burst), so that one source flooding the intake is answered 429 while the others
go on. docs/alerts.md, "Limits"."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    at: float


class SourceLimiter:
    def __init__(self, clock: object = time.monotonic) -> None:
        self._buckets: dict[uuid.UUID, _Bucket] = {}
        self._clock = clock

    def admit(self, source_id: uuid.UUID, rate_per_minute: int) -> float | None:
        """None when admitted, else the seconds until one more alert would be."""
        now: float = self._clock()  # type: ignore[operator]
        capacity = float(rate_per_minute)
        bucket = self._buckets.setdefault(source_id, _Bucket(tokens=capacity, at=now))
        per_second = rate_per_minute / 60.0
        bucket.tokens = min(capacity, bucket.tokens + (now - bucket.at) * per_second)
        bucket.at = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return None
        return (1.0 - bucket.tokens) / per_second
