"""The SLA chip, computed at read time from the deadlines stored on the ticket."""

from __future__ import annotations

from datetime import datetime

from ticketing.tickets.schemas import SlaState

# Share of the time window still left below which the chip turns warning, then critical.
WARNING_BELOW = 0.5
CRITICAL_BELOW = 0.2


def sla_state(
    *,
    now: datetime,
    created_at: datetime,
    status: str,
    response_due_at: datetime | None,
    first_response_at: datetime | None,
    resolution_due_at: datetime | None,
) -> SlaState:
    if status in ("resolved", "closed"):
        return "none" if resolution_due_at is None else "ok"
    pending = [due for due in (resolution_due_at,) if due is not None]
    if response_due_at is not None and first_response_at is None:
        pending.append(response_due_at)
    if not pending:
        return "none"
    worst: SlaState = "ok"
    for due in pending:
        state = _state_of(now, created_at, due)
        if _RANK[state] > _RANK[worst]:
            worst = state
    return worst


_RANK: dict[SlaState, int] = {"none": 0, "ok": 1, "warning": 2, "critical": 3, "breached": 4}


def _state_of(now: datetime, created_at: datetime, due: datetime) -> SlaState:
    if now >= due:
        return "breached"
    window = (due - created_at).total_seconds()
    left = (due - now).total_seconds() / window if window > 0 else 0.0
    if left < CRITICAL_BELOW:
        return "critical"
    if left < WARNING_BELOW:
        return "warning"
    return "ok"
