"""The scheduled work of the timetracking service (the `jobs` role): the timer sweep (timer/sweep.py)
and, once, learning the tickets from before the ticket stream's consumer (ticket_bootstrap.py); both
safe with several replicas."""

from __future__ import annotations

from helpdesk_common.service import Job
from timetracking.ticket_bootstrap import learn_tickets_job
from timetracking.timer.sweep import timer_sweep_job

jobs: list[Job] = [timer_sweep_job, learn_tickets_job]
