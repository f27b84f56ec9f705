"""Tables of the `sla_engine` schema (SLA definitions, business calendars, per-ticket timers,
escalation policies); the outbox, inbox and dead letters come from helpdesk_common.
"""

from sqlalchemy import MetaData

metadata = MetaData()
