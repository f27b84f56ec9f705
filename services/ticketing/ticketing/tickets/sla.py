"""The SLA chip, computed at read time from what the SLA engine set on the ticket: its deadlines, where
its SLA's warning and critical thresholds fall (so chip and sla_warning can never disagree, whatever
the SLA's shares and clock), a pause, and the outcome of each target."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from helpdesk_common.contracts.sla import DEFAULT_CRITICAL_SHARE, DEFAULT_WARNING_SHARE
from ticketing.tickets.schemas import SlaState

STOPPED = ("resolved", "closed")
_RANK: dict[SlaState, int] = {"none": 0, "ok": 1, "warning": 2, "critical": 3, "breached": 4}


def sla_state(ticket: Any, now: datetime) -> SlaState:
    """`ticket` is a tickets row (or anything with its columns)."""
    if ticket.response_due_at is None and ticket.resolution_due_at is None:
        return "none"
    if ticket.status in STOPPED:
        return _outcome(ticket)
    if ticket.sla_paused_since is not None:
        return "paused"
    windows = [("resolution", ticket.resolution_due_at)]
    if ticket.first_response_at is None:
        windows.append(("response", ticket.response_due_at))
    worst: SlaState = "none"
    for kind, due in windows:
        if due is None:
            continue
        state = _state_of(now, due, *_thresholds(ticket, kind, due))
        if _RANK[state] > _RANK[worst]:
            worst = state
    return worst


def _outcome(ticket: Any) -> SlaState:
    """Breached if either target was; met once the engine said so; before its word arrives, a resolved
    ticket reads as on track, as it did before outcomes existed."""
    outcomes = (ticket.response_outcome, ticket.resolution_outcome)
    if "breached" in outcomes:
        return "breached"
    if ticket.resolution_outcome == "met" or (ticket.resolution_due_at is None and "met" in outcomes):
        return "met"
    return "ok"


def _thresholds(ticket: Any, kind: str, due: datetime) -> tuple[datetime, datetime]:
    """The engine's instants; a ticket whose deadlines were set before it published them reads the
    default shares of its wall-clock window."""
    warning, critical = getattr(ticket, f"{kind}_warning_at"), getattr(ticket, f"{kind}_critical_at")
    if warning is not None and critical is not None:
        return warning, critical
    window = due - ticket.created_at
    return _left(due, window, DEFAULT_WARNING_SHARE), _left(due, window, DEFAULT_CRITICAL_SHARE)


def _left(due: datetime, window: timedelta, share: float) -> datetime:
    return due - window * share


def _state_of(now: datetime, due: datetime, warning_at: datetime, critical_at: datetime) -> SlaState:
    if now >= due:
        return "breached"
    if now >= critical_at:
        return "critical"
    if now >= warning_at:
        return "warning"
    return "ok"
