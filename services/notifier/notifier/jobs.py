"""The scheduled work of the notifier service (the `jobs` role): none yet. A job is an async function
of the runtime and the stop event, around `helpdesk_common.periodic.every`, safe with several
replicas (rows claimed with FOR UPDATE SKIP LOCKED, in batches that commit on their own; see
sla_engine/timers/sweep.py)."""

from __future__ import annotations

from helpdesk_common.service import Job

jobs: list[Job] = []
