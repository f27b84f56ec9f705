"""Tables of the `timetracking` schema (time entries, running timers, per-department time settings);
the outbox, inbox and dead letters come from helpdesk_common. A change here is a new revision in
migrations/ as well (docs/architecture.md, "Migrations").
"""

from sqlalchemy import MetaData

metadata = MetaData()
