"""The scheduled work of the timetracking service (the `jobs` role): the timer sweep (timer/sweep.py)
and, once each, learning the tickets from before the ticket stream's consumer (ticket_bootstrap.py),
the incidents from before the ITSM stream's (incident_bootstrap.py) and the departments and switch
from before TICKETING's two weeks (projections.py); all safe with several replicas."""

from __future__ import annotations

from helpdesk_common.service import Job
from timetracking.incident_bootstrap import learn_incidents_job
from timetracking.projections import learn_records_job
from timetracking.ticket_bootstrap import learn_tickets_job
from timetracking.timer.sweep import timer_sweep_job

jobs: list[Job] = [timer_sweep_job, learn_tickets_job, learn_incidents_job, learn_records_job]
