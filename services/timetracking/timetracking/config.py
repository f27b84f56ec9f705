"""The timetracking service's settings: the shared ones (`HELPDESK_*`), and its own beside them (a field
`x` is read from `HELPDESK_X`)."""

from __future__ import annotations

from pydantic import Field

from helpdesk_common.config import HelpdeskSettings


class TimetrackingSettings(HelpdeskSettings):
    service_name: str = "timetracking"
    # How often the sweep closes timers whose operator went idle or did not confirm
    # (HELPDESK_TIMETRACKING_SWEEP_INTERVAL_SECONDS): a closed entry still ends at the last activity or
    # the due confirmation, however late the sweep comes; this only bounds how long it shows as running.
    timetracking_sweep_interval_seconds: float = Field(default=5.0, gt=0)
    # Timers claimed per transaction; each batch commits on its own.
    timetracking_sweep_batch_size: int = Field(default=200, gt=0)
    # How often a time tracker without its tickets, its departments and switch, or its incidents asks
    # ticketing (or itsm) for them again, while ticketing's ticket-states role (itsm's incident-states
    # role) does not answer or another replica is learning them (ticket_bootstrap.py, projections.py,
    # incident_bootstrap.py; HELPDESK_TIMETRACKING_BOOTSTRAP_RETRY_SECONDS).
    timetracking_bootstrap_retry_seconds: float = Field(default=5.0, gt=0)
