"""The auto-timer's answer: its state for the ticket asked about, with what the console needs to show
it and to time its confirm prompt (the server's own `now`, since the browser's clock may differ)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from helpdesk_common.contracts.time import WorkItemKind
from timetracking.timer.rules import TimerState

STATE_HELP = (
    "disabled: the ticket's department does not track time automatically; stopped: no timer runs on "
    "this ticket for the operator; running; confirmation_due: running, and the operator must confirm "
    "they still work on the ticket (POST .../timer/confirm) before confirm_due_at plus the idle timeout, "
    "or the entry ends at confirm_due_at."
)


class RunningEntry(BaseModel):
    id: uuid.UUID
    work_item_kind: WorkItemKind
    work_item_id: uuid.UUID
    started_at: datetime
    elapsed_seconds: int = Field(description="Up to now, or to the due confirmation once it is due.")


class TimerOut(BaseModel):
    state: TimerState = Field(description=STATE_HELP)
    ticket_id: uuid.UUID
    entry: RunningEntry | None = Field(description="The running entry, while the timer runs on this ticket.")
    started_at: datetime | None
    last_activity_at: datetime | None
    confirm_due_at: datetime | None
    idle_timeout_minutes: int
    confirm_timeout_minutes: int
    now: datetime = Field(description="The server's time of this answer, which the times above count from.")
    blocked_until: datetime | None = Field(
        default=None,
        description="Set when the timer could not start because an entry of the operator covers now: "
        "when that entry ends.",
    )
