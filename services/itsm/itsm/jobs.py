"""The scheduled work of the itsm service (the `jobs` role): the auto-close sweep (autoclose/sweep.py),
safe with several replicas."""

from __future__ import annotations

from helpdesk_common.service import Job
from itsm.autoclose.sweep import auto_close_job

jobs: list[Job] = [auto_close_job]
