"""The arithmetic of the two SLA clocks (response, resolution) of one ticket or incident: where each
deadline and each threshold falls, which alerts are due now, and what became of each target. Pure
functions of the timer row (`ticket_timers` or `incident_timers`) and the SLA's promise, so the
consumers and the sweep agree."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from helpdesk_common.contracts.sla import DEFAULT_CRITICAL_SHARE, DEFAULT_WARNING_SHARE, Outcome, ReopenRule
from sla_engine.calendars.business_time import WALL_CLOCK, WorkingClock

DeadlineKind = Literal["response", "resolution"]
Alert = Literal["warning", "breached"]

# Resolved and closed tickets and incidents have nothing pending, as their SLA chip shows.
STOPPED_STATUSES = frozenset({"resolved", "closed"})
WAITING = "waiting"
KINDS: tuple[DeadlineKind, ...] = ("response", "resolution")


@dataclass(frozen=True)
class Promise:
    """What one SLA promises a ticket, and in which clock its hours are counted."""

    response_hours: int | None
    resolution_hours: int | None
    warning_share: float = DEFAULT_WARNING_SHARE
    critical_share: float = DEFAULT_CRITICAL_SHARE
    clock: WorkingClock = WALL_CLOCK
    pause_while_waiting: bool = False
    on_reopen: ReopenRule = "keep_deadlines"

    def hours(self, kind: DeadlineKind) -> int | None:
        return self.response_hours if kind == "response" else self.resolution_hours


def schedule(promise: Promise | None, started_at: datetime, paused_seconds: float) -> dict[str, Any]:
    """The timer columns of each window: its deadline, its warning and its critical instant. A window
    ends where its hours of working time, plus the working time spent paused, have passed."""
    values: dict[str, Any] = {}
    for kind in KINDS:
        hours = promise.hours(kind) if promise else None
        instants: dict[str, datetime | None] = {"due_at": None, "warning_due_at": None, "critical_at": None}
        if promise is not None and hours:
            window = hours * 3600.0

            def at(share_left: float, window: float = window) -> datetime:
                return promise.clock.add(started_at, window * (1 - share_left) + paused_seconds)

            instants = {
                "due_at": at(0.0),
                "warning_due_at": at(promise.warning_share),
                "critical_at": at(promise.critical_share),
            }
        values.update({f"{kind}_{name}": at_ for name, at_ in instants.items()})
    return values


@dataclass(frozen=True)
class Clock:
    kind: DeadlineKind
    due_at: datetime | None
    warning_at: datetime | None
    running: bool
    warned: bool
    breached: bool

    def alert_due(self, now: datetime) -> Alert | None:
        """At most one alert at a time: once the deadline has passed, a warning has nothing to add."""
        if self.due_at is None or not self.running or self.breached:
            return None
        if now >= self.due_at:
            return "breached"
        if not self.warned and self.warning_at is not None and now >= self.warning_at:
            return "warning"
        return None

    def next_alert_at(self) -> datetime | None:
        if self.due_at is None or not self.running or self.breached:
            return None
        if self.warned or self.warning_at is None:
            return self.due_at
        return self.warning_at


def clocks(timer: Mapping[str, Any], status: str, *, warns: bool = True) -> tuple[Clock, Clock]:
    """The clocks of a timer row (or the values it is about to take) whose ticket or incident has
    `status`. A paused timer runs neither clock: its deadlines move when it resumes. Without `warns`
    (incidents: no event warns of their deadlines, whose warning instants a reader compares with the
    time) a clock only falls due at its deadline."""
    counting = status not in STOPPED_STATUSES and timer.get("paused_since") is None
    response, resolution = (
        Clock(
            kind=kind,
            due_at=timer[f"{kind}_due_at"],
            warning_at=timer.get(f"{kind}_warning_due_at") if warns else None,
            running=counting and (kind != "response" or timer["responded_at"] is None),
            warned=warns and timer[f"{kind}_warned_at"] is not None,
            breached=timer[f"{kind}_breached_at"] is not None,
        )
        for kind in KINDS
    )
    return response, resolution


def next_check_at(timer: Mapping[str, Any], status: str, *, warns: bool = True) -> datetime | None:
    if timer.get("deleted_at") is not None:
        return None  # a deleted ticket has no promise left to keep
    pending = [
        at for clock in clocks(timer, status, warns=warns) if (at := clock.next_alert_at()) is not None
    ]
    return min(pending, default=None)


def outcome(due_at: datetime | None, done_at: datetime) -> Outcome | None:
    """A target done after its deadline is breached, whether or not the sweep had said so yet (and one
    done in time is met, even if a late event let the sweep call it breached first)."""
    if due_at is None:
        return None
    return "breached" if done_at > due_at else "met"
