"""The scheduled work of the itsm service (the `jobs` role): the auto-close sweep (autoclose/sweep.py)
and the drain of alerts deferred over their source's rate (alerts/drain.py), both safe with
several replicas."""

from __future__ import annotations

from helpdesk_common.service import Job
from itsm.alerts.drain import drain_job
from itsm.autoclose.sweep import auto_close_job

jobs: list[Job] = [auto_close_job, drain_job]
