"""The auto-timer's rules as plain functions of a timer and the time (seed 10.8, docs/timetracking.md).

A timer is live until `idle_until`: its last activity plus the idle timeout. The confirmation falls
due at its start (or last confirmation) plus the confirm timeout; while it is due and unconfirmed the
last activity never moves past the due time, so an unconfirmed timer goes idle at most an idle
timeout after it fell due, and its entry then ends at the due time. Past `idle_until` a timer has
stopped at its last activity, whoever notices first (a request of its operator, or the sweep)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

TimerState = Literal["disabled", "stopped", "running", "confirmation_due"]


def is_live(timer: Any, now: datetime) -> bool:
    return bool(now <= timer.idle_until)


def end_at(timer: Any, now: datetime) -> datetime:
    """Where the timer's entry ends if it is closed now: at the last activity once it went idle, else
    now, but never past a due confirmation (closing the dialog does not confirm)."""
    if not is_live(timer, now):
        last_activity: datetime = timer.last_activity_at
        return last_activity
    due: datetime = timer.confirm_due_at
    return min(now, due)


def active_at(timer: Any, now: datetime, idle_timeout: timedelta) -> tuple[datetime, datetime]:
    """(last activity, idle until) after activity at `now` on a live timer."""
    last_activity = min(now, timer.confirm_due_at)
    return last_activity, last_activity + idle_timeout


def live_state(timer: Any, now: datetime) -> TimerState:
    return "confirmation_due" if now >= timer.confirm_due_at else "running"
