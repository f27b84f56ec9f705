"""The clock the timer goes by (helpdesk_common/clock.py): the system's, or in tests one set in the
process, or moved from outside it by the seconds a file holds (HELPDESK_TEST_CLOCK_FILE), which is how
a browser test moves a running server's time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from helpdesk_common.clock import Clock, OffsetFileClock, SettableClock, clock_from
from timetracking.config import TimetrackingSettings


def test_the_system_clock_unless_a_test_clock_file_is_named(tmp_path: Path) -> None:
    assert type(clock_from(TimetrackingSettings().test_clock_file)) is Clock
    before = datetime.now(UTC)
    assert before <= Clock().now() <= datetime.now(UTC)

    named = tmp_path / "offset"
    clock = clock_from(TimetrackingSettings(test_clock_file=str(named)).test_clock_file)
    assert isinstance(clock, OffsetFileClock)
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=1), "no file yet: no offset"
    named.write_text("")
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=1), "an empty file: no offset"
    named.write_text("3600.5\n")
    assert abs(clock.now() - (datetime.now(UTC) + timedelta(seconds=3600.5))) < timedelta(seconds=1)
    named.write_text("-600")
    assert abs(clock.now() - (datetime.now(UTC) - timedelta(minutes=10))) < timedelta(seconds=1), "read anew"


def test_a_settable_clock_stands_still_where_it_is_put() -> None:
    start = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
    clock = SettableClock(start)
    assert clock.now() == clock.now() == start
    assert clock.advance(timedelta(minutes=5)) == start + timedelta(minutes=5) == clock.now()
    clock.set(start)
    assert clock.now() == start
