"""The scheduled work of the mail-gateway service (the `jobs` role): the follow-up reminders
(replies/follow_ups.py), and once, learning the departments and settings from before TICKETING's two
weeks (projections/consumers.py). A job is an async function of the runtime and the stop event, around
`helpdesk_common.periodic.every`, safe with several replicas (rows claimed with FOR UPDATE SKIP
LOCKED, in batches that commit on their own)."""

from __future__ import annotations

from helpdesk_common.service import Job
from mail_gateway.projections.consumers import learn_records_job
from mail_gateway.replies.follow_ups import follow_up_job

jobs: list[Job] = [follow_up_job, learn_records_job]
