"""The time as a service sees it: the system clock, read through one object kept on the process's
runtime (`ServiceRuntime.clock`, `app.state.clock`), so that rules which depend on the time (the time
tracker's idle and confirm timeouts) are plain functions of a `now` their callers pass in, and tests
can set it.

`HELPDESK_TEST_CLOCK_FILE` is for tests only: when it names a file, the time read is the system's
plus the number of seconds the file holds (missing or empty: 0), read again at every reading, so a
browser test can move a running server's clock from outside its process. Write the file whole (a
temporary file renamed over it), since a half-written number would be read as it stands.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request


class Clock:
    """The system clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class OffsetFileClock(Clock):
    """The system clock moved by the seconds a file holds (HELPDESK_TEST_CLOCK_FILE; tests only)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def now(self) -> datetime:
        try:
            written = self.path.read_text().strip()
        except FileNotFoundError:
            written = ""
        return super().now() + timedelta(seconds=float(written or 0))


class SettableClock(Clock):
    """A clock that stands still where a test puts it."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    def set(self, at: datetime) -> None:
        self.at = at

    def advance(self, by: timedelta) -> datetime:
        self.at += by
        return self.at


def clock_from(test_clock_file: str) -> Clock:
    return OffsetFileClock(Path(test_clock_file)) if test_clock_file else Clock()


def _now(request: Request) -> datetime:
    clock: Clock = request.app.state.clock
    return clock.now()


# A route's `now: Now`: the time of the process's clock, read once for the request.
Now = Annotated[datetime, Depends(_now)]
