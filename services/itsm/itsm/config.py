"""The itsm service's settings: the shared ones (`HELPDESK_*`), and its own beside them as it grows (a
field `x` is read from `HELPDESK_X`)."""

from __future__ import annotations

from helpdesk_common.config import HelpdeskSettings


class ItsmSettings(HelpdeskSettings):
    service_name: str = "itsm"
    # How often the jobs role runs the auto-close policy (autoclose/sweep.py).
    itsm_auto_close_interval_seconds: float = 300.0
    # A bus source's alerts per minute unless it is a registered source with a rate of its own
    # (alerts/admission.py); above what one correlator takes, so only a source given a rate is held.
    itsm_bus_rate_per_minute: int = 600_000
    # How often the jobs role correlates the alerts deferred over their source's rate.
    itsm_drain_interval_seconds: float = 1.0
