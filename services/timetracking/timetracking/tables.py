"""Tables of the `timetracking` schema (time entries, running timers, per-department time
settings); the outbox, inbox and dead letters come from helpdesk_common.
"""

from sqlalchemy import MetaData

metadata = MetaData()
