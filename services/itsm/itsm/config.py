"""The itsm service's settings: the shared ones (`HELPDESK_*`), and its own beside them as it grows (a
field `x` is read from `HELPDESK_X`)."""

from __future__ import annotations

from helpdesk_common.config import HelpdeskSettings


class ItsmSettings(HelpdeskSettings):
    service_name: str = "itsm"
    # How often the jobs role runs the auto-close policy (autoclose/sweep.py).
    itsm_auto_close_interval_seconds: float = 300.0
