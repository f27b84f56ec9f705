"""Tables of the `timetracking` schema: the copies of ticketing's departments, module switch and tickets
(projections.py, ticket_events.py) with the mark that the tickets were learnt from ticketing's ticket
states (ticket_bootstrap.py), the copy of ITSM's incidents (incident_events.py) with the mark that
they were learnt from its incident states (incident_bootstrap.py), each department's time
settings, the time entries and the running timers; the outbox, inbox and dead letters come from
helpdesk_common. A change here is a new revision in migrations/ as well (docs/architecture.md,
"Migrations").
"""

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import UUID, ExcludeConstraint

from helpdesk_common.projections.departments import departments_table
from helpdesk_common.projections.incident_bootstrap import incident_bootstrap_table
from helpdesk_common.projections.module_switch import module_switch_table
from helpdesk_common.projections.records_bootstrap import records_bootstrap_table
from helpdesk_common.projections.ticket_bootstrap import ticket_bootstrap_table

metadata = MetaData()

departments = departments_table(metadata)
module_switch = module_switch_table(metadata)
# One row once ticketing's departments and switch from before the TICKETING stream's two weeks were
# learnt from its states (the shared records bootstrap): a service without it learns them.
records_bootstrap = records_bootstrap_table(metadata)

# Ticketing's tickets as time tracking needs them (the newest by the event's time): who may see their
# time (department), what the lists name (number, title) and whom it was for (customer). A deleted
# ticket stays as a tombstone, so that a late event of it does not bring it back.
tickets = Table(
    "tickets",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("number", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("department_id", UUID(as_uuid=True)),
    Column("customer_id", UUID(as_uuid=True)),
    Column("customer_name", Text),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Column("deleted", Boolean, nullable=False, server_default=text("false")),
)
# One row once the tickets from before the consumer existed were learnt from ticketing (the shared
# ticket bootstrap): a service without it (a first deploy, a lost database) learns them.
ticket_bootstrap = ticket_bootstrap_table(metadata)

# ITSM's incidents as time tracking needs them (the newest by the event's time): what the lists and the
# report name (number, title) and where each stands (status). ITSM closes incidents, it never deletes
# them, so there is no tombstone.
incidents = Table(
    "incidents",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("number", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)
# One row once the incidents from before the consumer existed were learnt from itsm (the shared
# incident bootstrap): a service without it (a first deploy, a lost database) learns them.
incident_bootstrap = incident_bootstrap_table(metadata)

# A department's Time Tracking section (seed 10.10); a department without a row has the defaults
# (settings/schemas.py), auto-timer off.
time_settings = Table(
    "time_settings",
    metadata,
    Column("department_id", UUID(as_uuid=True), primary_key=True),
    Column("enabled", Boolean, nullable=False),
    Column("idle_timeout_minutes", Integer, nullable=False),
    Column("confirm_timeout_minutes", Integer, nullable=False),
    Column("rounding_minutes", Integer, nullable=False),
    Column("rounding_mode", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("idle_timeout_minutes BETWEEN 1 AND 1440", name="time_settings_idle_timeout"),
    CheckConstraint("confirm_timeout_minutes BETWEEN 1 AND 1440", name="time_settings_confirm_timeout"),
    CheckConstraint("rounding_minutes BETWEEN 0 AND 1440", name="time_settings_rounding"),
    CheckConstraint("rounding_mode IN ('up', 'nearest')", name="time_settings_rounding_mode"),
)

# Time booked on a work item (a ticket or an incident), by one operator. `ended_at`, `duration_seconds`
# and `rounded_seconds` are null while its timer runs; `rounded_seconds` is computed once, when the entry
# is booked or closed, with the ticket's department's step and mode of that moment (an incident, of no
# department, is not rounded).
entries = Table(
    "entries",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("work_item_kind", Text, nullable=False),
    Column("work_item_id", UUID(as_uuid=True), nullable=False),
    Column("user_id", UUID(as_uuid=True), nullable=False),
    Column("username", Text, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("ended_at", DateTime(timezone=True)),
    Column("duration_seconds", Integer),
    Column("rounded_seconds", Integer),
    Column("notes", Text, nullable=False, server_default=""),
    Column("origin", Text, nullable=False),
    Column("billable", Boolean, nullable=False, server_default=text("true")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("work_item_kind IN ('ticket', 'incident')", name="entries_work_item_kind"),
    CheckConstraint("origin IN ('manual', 'automatic')", name="entries_origin"),
    CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="entries_ends_after_start"),
    CheckConstraint(
        "(ended_at IS NULL) = (duration_seconds IS NULL) AND (ended_at IS NULL) = (rounded_seconds IS NULL)",
        name="entries_closed_whole",
    ),
)
# No two booked entries of one operator overlap, whatever they were booked on (the service checks
# first, to name the other entry; this holds it under any race; btree_gist gives uuids their `=`). A
# running entry is checked by the service (entries/service.py), and closed no later than the start of
# the operator's next entry.
entries.append_constraint(
    ExcludeConstraint(
        (entries.c.user_id, "="),
        (func.tstzrange(entries.c.started_at, entries.c.ended_at), "&&"),
        name="entries_no_overlap",
        using="gist",
        where=text("ended_at IS NOT NULL"),
    )
)
Index("entries_work_item", entries.c.work_item_kind, entries.c.work_item_id, entries.c.started_at)
# The day calendar's and the report's reads: entries by start.
Index("entries_started", entries.c.started_at)

# One running timer per operator (seed 10.8's auto-timer): its open entry, the last activity, when the
# confirmation falls due, and `idle_until` (the last activity plus the idle timeout of that moment:
# past it the entry has stopped at its last activity; the sweep closes it then).
timers = Table(
    "timers",
    metadata,
    Column("operator_id", UUID(as_uuid=True), primary_key=True),
    Column("entry_id", UUID(as_uuid=True), ForeignKey("entries.id", ondelete="CASCADE"), nullable=False),
    Column("work_item_kind", Text, nullable=False),
    Column("work_item_id", UUID(as_uuid=True), nullable=False),
    Column("last_activity_at", DateTime(timezone=True), nullable=False),
    Column("confirm_due_at", DateTime(timezone=True), nullable=False),
    Column("idle_until", DateTime(timezone=True), nullable=False),
    CheckConstraint("last_activity_at <= confirm_due_at", name="timers_activity_before_due"),
)
Index("timers_idle_until", timers.c.idle_until)
Index("timers_work_item", timers.c.work_item_kind, timers.c.work_item_id)
Index("timers_entry", timers.c.entry_id, unique=True)
