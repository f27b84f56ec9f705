"""The scheduled work of the timetracking service (the `jobs` role): the timer sweep (timer/sweep.py),
safe with several replicas."""

from __future__ import annotations

from helpdesk_common.service import Job
from timetracking.timer.sweep import timer_sweep_job

jobs: list[Job] = [timer_sweep_job]
