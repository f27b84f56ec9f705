"""The arithmetic of one ticket's two SLA clocks (response, resolution): when each alert falls due,
and which are due now. Pure functions of the timer row, so the consumer and the sweep agree."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

DeadlineKind = Literal["response", "resolution"]
Alert = Literal["warning", "breached"]

# Share of the window still left at which sla_warning fires: the same threshold at which ticketing's
# SLA chip turns to warning (ticketing.tickets.sla.WARNING_BELOW).
WARNING_BELOW = 0.5
# Resolved and closed tickets have nothing pending, as their SLA chip shows; reopening resumes both
# clocks against the deadlines set at creation (wall clock, seed 10.15).
STOPPED_STATUSES = frozenset({"resolved", "closed"})
KINDS: tuple[DeadlineKind, ...] = ("response", "resolution")


@dataclass(frozen=True)
class Clock:
    kind: DeadlineKind
    started_at: datetime
    due_at: datetime | None
    running: bool
    warned: bool
    breached: bool

    @property
    def warning_at(self) -> datetime | None:
        if self.due_at is None:
            return None
        return self.due_at - (self.due_at - self.started_at) * WARNING_BELOW

    def alert_due(self, now: datetime) -> Alert | None:
        """At most one alert at a time: once the deadline has passed, a warning has nothing to add."""
        if self.due_at is None or not self.running or self.breached:
            return None
        if now >= self.due_at:
            return "breached"
        assert self.warning_at is not None
        if not self.warned and now >= self.warning_at:
            return "warning"
        return None

    def next_alert_at(self) -> datetime | None:
        if self.due_at is None or not self.running or self.breached:
            return None
        return self.due_at if self.warned else self.warning_at


def clocks(timer: Mapping[str, Any]) -> tuple[Clock, Clock]:
    """The clocks of a `ticket_timers` row (or the values it is about to take)."""
    stopped = timer["ticket"]["status"] in STOPPED_STATUSES
    response, resolution = (
        Clock(
            kind=kind,
            started_at=timer["started_at"],
            due_at=timer[f"{kind}_due_at"],
            running=not stopped and (kind != "response" or timer["responded_at"] is None),
            warned=timer[f"{kind}_warned_at"] is not None,
            breached=timer[f"{kind}_breached_at"] is not None,
        )
        for kind in KINDS
    )
    return response, resolution


def next_check_at(timer: Mapping[str, Any]) -> datetime | None:
    if timer.get("deleted_at") is not None:
        return None  # a deleted ticket has no promise left to keep
    pending = [at for clock in clocks(timer) if (at := clock.next_alert_at()) is not None]
    return min(pending, default=None)


def deadline(started_at: datetime, hours: int | None) -> datetime | None:
    return started_at + timedelta(hours=hours) if hours else None
