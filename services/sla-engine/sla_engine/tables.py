"""Tables of the `sla` schema: SLA definitions, business calendars with their working hours and
holidays, per-ticket and per-incident timers, and the Ticket System switch as ticketing announces it;
the outbox, inbox and dead letters come from helpdesk_common.
"""

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    extract,
    false,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

from helpdesk_common.projections.incident_bootstrap import incident_bootstrap_table
from helpdesk_common.projections.module_switch import module_switch_table
from helpdesk_common.projections.records_bootstrap import records_bootstrap_table
from helpdesk_common.projections.ticket_bootstrap import ticket_bootstrap_table

metadata = MetaData()

sla_definitions = Table(
    "sla_definitions",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("name", Text, nullable=False),
    Column("response_hours", Integer),
    Column("resolution_hours", Integer),
    Column("priority_override", Text),
    Column("description", Text, nullable=False, server_default=""),
    # Shares of the window still left at which the SLA warns and turns critical (contracts/sla.py).
    Column("warning_share", Float, nullable=False, server_default=text("0.5")),
    Column("critical_share", Float, nullable=False, server_default=text("0.2")),
    # Null counts wall-clock hours; a calendar counts its working hours only.
    Column("calendar_id", UUID(as_uuid=True), ForeignKey("calendars.id", ondelete="RESTRICT")),
    Column("pause_while_waiting", Boolean, nullable=False, server_default=text("false")),
    Column("on_reopen", Text, nullable=False, server_default="keep_deadlines"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint(
        "0 < critical_share AND critical_share < warning_share AND warning_share < 1",
        name="sla_definitions_shares",
    ),
    CheckConstraint(
        "on_reopen IN ('keep_deadlines', 'restart_from_reopen')", name="sla_definitions_on_reopen"
    ),
    CheckConstraint("response_hours > 0", name="sla_definitions_response_hours"),
    CheckConstraint("resolution_hours > 0", name="sla_definitions_resolution_hours"),
    CheckConstraint(
        "priority_override IN ('low', 'medium', 'high', 'critical')", name="sla_definitions_priority_override"
    ),
)
Index("sla_definitions_name_key", func.lower(sla_definitions.c.name), unique=True)

# The working time an SLA may count instead of the wall clock (issue 18).
calendars = Table(
    "calendars",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("name", Text, nullable=False),
    # An IANA zone name; the periods and holidays are in its local time.
    Column("time_zone", Text, nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index("calendars_name_key", func.lower(calendars.c.name), unique=True)

# Minutes since local midnight, so that the end of a day (1440, "24:00") is a value like any other.
calendar_periods = Table(
    "calendar_periods",
    metadata,
    Column("calendar_id", UUID(as_uuid=True), ForeignKey("calendars.id", ondelete="CASCADE"), nullable=False),
    # 0 is Monday, as Python's date.weekday() counts.
    Column("weekday", Integer, nullable=False),
    Column("start_minute", Integer, nullable=False),
    Column("end_minute", Integer, nullable=False),
    PrimaryKeyConstraint("calendar_id", "weekday", "start_minute", name="calendar_periods_pkey"),
    CheckConstraint("weekday BETWEEN 0 AND 6", name="calendar_periods_weekday"),
    CheckConstraint(
        "start_minute >= 0 AND end_minute > start_minute AND end_minute <= 1440",
        name="calendar_periods_minutes",
    ),
)

# No two holidays of a calendar fall on the same day of any year (the service checks that a one-off
# day is not one a recurring holiday covers, and the reverse); the constraints hold the rest.
calendar_holidays = Table(
    "calendar_holidays",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("calendar_id", UUID(as_uuid=True), ForeignKey("calendars.id", ondelete="CASCADE"), nullable=False),
    # As entered; a recurring holiday keeps the year it was entered with, and only its month and day count.
    Column("day", Date, nullable=False),
    Column("recurring", Boolean, nullable=False, server_default=false()),
    Column("name", Text, nullable=False),
    UniqueConstraint("calendar_id", "day", name="calendar_holidays_day_key"),
)
Index(
    "calendar_holidays_recurring_key",
    calendar_holidays.c.calendar_id,
    extract("month", calendar_holidays.c.day),
    extract("day", calendar_holidays.c.day),
    unique=True,
    postgresql_where=calendar_holidays.c.recurring,
)

# A projection of ticketing's module settings: the SLA endpoints are part of the Ticket System and
# are switched off with it. One row once ticketing has announced its settings; none reads as off.
module_switch = module_switch_table(metadata)
# One row once ticketing's switch from before the TICKETING stream's two weeks was learnt from its
# settings state (the shared records bootstrap): a service without it learns it.
records_bootstrap = records_bootstrap_table(metadata)

# One row per ticket the engine has heard of, with or without an SLA: a first response or a status
# seen before an SLA is attached still counts once one is.
ticket_timers = Table(
    "ticket_timers",
    metadata,
    Column("ticket_id", UUID(as_uuid=True), primary_key=True),
    # The newest TicketSnapshot seen (by its updated_at): what sla_warning and sla_breached carry.
    Column("ticket", JSONB, nullable=False),
    Column("ticket_updated_at", DateTime(timezone=True), nullable=False),
    # The ticket's creation (or its reopening, under restart_from_reopen): both windows start there.
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("sla_id", UUID(as_uuid=True)),
    Column("response_due_at", DateTime(timezone=True)),
    Column("resolution_due_at", DateTime(timezone=True)),
    # The first outbound comment: it stops the response timer for good.
    Column("responded_at", DateTime(timezone=True)),
    # When each alert was published; set once, so each is published once per deadline.
    Column("response_warned_at", DateTime(timezone=True)),
    Column("response_breached_at", DateTime(timezone=True)),
    Column("resolution_warned_at", DateTime(timezone=True)),
    Column("resolution_breached_at", DateTime(timezone=True)),
    # Where the SLA's warning and critical shares fall in each window, as its clock counts.
    Column("response_warning_due_at", DateTime(timezone=True)),
    Column("response_critical_at", DateTime(timezone=True)),
    Column("resolution_warning_due_at", DateTime(timezone=True)),
    Column("resolution_critical_at", DateTime(timezone=True)),
    # While the ticket waits under an SLA that pauses then; the working seconds paused so far move
    # every deadline later by as much.
    Column("paused_since", DateTime(timezone=True)),
    Column("paused_seconds", Float, nullable=False, server_default=text("0")),
    # Met or breached, once known: a resolved ticket keeps what happened to its promise.
    Column("response_outcome", Text),
    Column("resolution_outcome", Text),
    # Counts each sla_deadlines_set of the ticket (SlaDeadlines.revision).
    Column("revision", Integer, nullable=False, server_default=text("0")),
    # The earliest moment an alert may fall due; null when none can (no SLA, stopped, all sent).
    Column("next_check_at", DateTime(timezone=True)),
    # Set by ticket_deleted: the row stays as a tombstone, so a late event of the ticket (several
    # consumer processes may apply its events out of order) does not bring the timer back.
    Column("deleted_at", DateTime(timezone=True)),
)
# The sweep reads only timers with an alert ahead, in the order they fall due.
Index(
    "ticket_timers_next_check",
    ticket_timers.c.next_check_at,
    postgresql_where=ticket_timers.c.next_check_at.isnot(None),
)
# The compliance read: tickets under an SLA by when their windows started.
Index(
    "ticket_timers_started",
    ticket_timers.c.started_at,
    postgresql_where=ticket_timers.c.sla_id.isnot(None),
)

# One row once the timers were learnt from ticketing's ticket states (timers/bootstrap.py): an engine
# without it (a first deploy, a lost database) learns them before anything else of the past.
timer_bootstrap = ticket_bootstrap_table(metadata, "timer_bootstrap")

# One row per incident the engine has heard of, with or without an SLA, kept from the incident events
# (ITSM). Its clocks follow ticket_timers' rules (timers/rules.py) under the same column names, with
# the incident's acknowledgement as the response; an incident never pauses, and no event warns of its
# deadlines (docs/sla.md, "Incidents").
incident_timers = Table(
    "incident_timers",
    metadata,
    Column("incident_id", UUID(as_uuid=True), primary_key=True),
    Column("incident_number", Text, nullable=False),
    Column("status", Text, nullable=False),
    # The newest IncidentSnapshot's updated_at: an older event of the incident changes nothing.
    Column("incident_updated_at", DateTime(timezone=True), nullable=False),
    # The incident's creation or its last reopening: both windows start there.
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("sla_id", UUID(as_uuid=True)),
    Column("response_due_at", DateTime(timezone=True)),
    Column("resolution_due_at", DateTime(timezone=True)),
    Column("response_warning_due_at", DateTime(timezone=True)),
    Column("response_critical_at", DateTime(timezone=True)),
    Column("resolution_warning_due_at", DateTime(timezone=True)),
    Column("resolution_critical_at", DateTime(timezone=True)),
    # The acknowledgement in the current window (or the resolution of an incident never acknowledged
    # in it): it stops the response clock.
    Column("responded_at", DateTime(timezone=True)),
    # When the sweep found each deadline passed with its target open; set once per window.
    Column("response_breached_at", DateTime(timezone=True)),
    Column("resolution_breached_at", DateTime(timezone=True)),
    Column("response_outcome", Text),
    Column("resolution_outcome", Text),
    # Counts each sla_incident_deadlines_set of the incident (SlaIncidentDeadlines.revision).
    Column("revision", Integer, nullable=False, server_default=text("0")),
    # The deadline the sweep looks at next; null when none can be breached (no SLA, stopped, breached).
    Column("next_check_at", DateTime(timezone=True)),
)
Index(
    "incident_timers_next_check",
    incident_timers.c.next_check_at,
    postgresql_where=incident_timers.c.next_check_at.isnot(None),
)

# One row once the incident timers were learnt from itsm's incident states (incidents/bootstrap.py): an
# engine without it (a first deploy, a lost database) learns them.
incident_timer_bootstrap = incident_bootstrap_table(metadata, "incident_timer_bootstrap")
