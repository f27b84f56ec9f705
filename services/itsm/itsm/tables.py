"""Tables of the `itsm` schema: alert sources and their integration keys, incidents with the alert keys
they hold, the alerts themselves, the timeline, notes, CSAT, the settings (storm window, priority
matrix, defaults), organisation and host group defaults, assignment groups and the inventory
projection of hosts; the outbox, inbox and dead letters come from helpdesk_common. A change here is a
new revision in migrations/ as well (docs/architecture.md, "Migrations").
"""

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Sequence,
    SmallInteger,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

from helpdesk_common.projections.operators import operators_table

metadata = MetaData()

# The gateway's operators: whom an incident may be assigned to, and the names its timeline shows.
operators = operators_table(metadata)

# A monitoring system that sends alerts: its name is the subject token (`alerts.<name>`).
alert_sources = Table(
    "alert_sources",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("description", Text, nullable=False, server_default=""),
    # Alerts per minute this source may send over HTTP (docs/alerts.md, "Limits").
    Column("rate_per_minute", Integer, nullable=False, server_default=text("6000")),
    Column("enabled", Boolean, nullable=False, server_default=text("true")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("last_alert_at", DateTime(timezone=True), nullable=True),
    CheckConstraint("rate_per_minute BETWEEN 1 AND 1000000", name="alert_sources_rate"),
)

# A source's keys: only a SHA-256 of each is kept (a key is 32 random bytes, so a fast hash is enough
# to make a stolen table useless), with its last characters to tell keys apart.
integration_keys = Table(
    "integration_keys",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column(
        "source_id", UUID(as_uuid=True), ForeignKey("alert_sources.id", ondelete="CASCADE"), nullable=False
    ),
    Column("key_hash", LargeBinary, nullable=False, unique=True),
    Column("hint", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("created_by_id", UUID(as_uuid=True), nullable=True),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Column("last_used_at", DateTime(timezone=True), nullable=True),
)
Index("integration_keys_source", integration_keys.c.source_id)

incident_numbers = Sequence("incident_numbers", metadata=metadata)

incidents = Table(
    "incidents",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("number", Text, nullable=False, unique=True),
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("status", Text, nullable=False),
    Column("severity", Text, nullable=False),
    Column("impact", Text, nullable=False),
    Column("urgency", Text, nullable=False),
    Column("priority", Text, nullable=False),
    Column("category", Text, nullable=True),
    Column("subcategory", Text, nullable=True),
    Column("source", Text, nullable=True),
    Column("host", Text, nullable=True),
    Column("rule", Text, nullable=True),
    Column("is_storm", Boolean, nullable=False, server_default=text("false")),
    Column("storm_id", UUID(as_uuid=True), ForeignKey("incidents.id"), nullable=True),
    Column("alert_count", Integer, nullable=False, server_default=text("0")),
    Column("host_count", Integer, nullable=False, server_default=text("0")),
    Column("first_seen_at", DateTime(timezone=True), nullable=True),
    Column("last_seen_at", DateTime(timezone=True), nullable=True),
    Column("tenant_id", UUID(as_uuid=True), nullable=True),
    Column("host_group_id", UUID(as_uuid=True), nullable=True),
    Column("sla_id", UUID(as_uuid=True), nullable=True),
    Column("response_due_at", DateTime(timezone=True), nullable=True),
    Column("resolution_due_at", DateTime(timezone=True), nullable=True),
    Column("sla_breached_at", DateTime(timezone=True), nullable=True),
    # The SLA engine's revision of these deadlines (a reader applies only a higher one).
    Column("sla_revision", Integer, nullable=False, server_default=text("0")),
    # Where the SLA's warning and critical shares fall in each window, and what became of each target
    # (met, breached), as the engine published them (sla/service.py; revision 0005): a reader compares
    # them with the time and computes no shares itself.
    Column("response_warning_at", DateTime(timezone=True), nullable=True),
    Column("response_critical_at", DateTime(timezone=True), nullable=True),
    Column("resolution_warning_at", DateTime(timezone=True), nullable=True),
    Column("resolution_critical_at", DateTime(timezone=True), nullable=True),
    Column("response_outcome", Text, nullable=True),
    Column("resolution_outcome", Text, nullable=True),
    Column("escalation_policy_id", UUID(as_uuid=True), nullable=True),
    Column("escalation_level", Integer, nullable=False, server_default=text("0")),
    Column("assignee_id", UUID(as_uuid=True), nullable=True),
    Column("assignee_username", Text, nullable=True),
    Column("assignee_idp_user", Text, nullable=True),
    Column("assignment_group_id", UUID(as_uuid=True), nullable=True),
    Column("resolution_code", Text, nullable=True),
    Column("resolution_notes", Text, nullable=True),
    Column("enrichment", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("created_by_id", UUID(as_uuid=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("acknowledged_at", DateTime(timezone=True), nullable=True),
    Column("resolved_at", DateTime(timezone=True), nullable=True),
    Column("closed_at", DateTime(timezone=True), nullable=True),
    Column("reopened_at", DateTime(timezone=True), nullable=True),
    CheckConstraint("status IN ('open', 'acknowledged', 'resolved', 'closed')", name="incidents_status"),
    CheckConstraint("priority IN ('P1', 'P2', 'P3', 'P4')", name="incidents_priority"),
    CheckConstraint("impact IN ('high', 'medium', 'low')", name="incidents_impact"),
    CheckConstraint("urgency IN ('high', 'medium', 'low')", name="incidents_urgency"),
    CheckConstraint("severity IN ('critical', 'error', 'warning', 'info')", name="incidents_severity"),
)
# The list's order (newest first) and its filters.
Index("incidents_created", incidents.c.created_at.desc(), incidents.c.id.desc())
Index("incidents_status_created", incidents.c.status, incidents.c.created_at.desc())
# At most one open storm per source and rule: two replicas that both see a storm forming open one.
Index(
    "incidents_open_storm",
    incidents.c.source,
    incidents.c.rule,
    unique=True,
    postgresql_where=text("is_storm AND status IN ('open', 'acknowledged')"),
)
# The auto-close sweep's candidates.
Index("incidents_resolved", incidents.c.resolved_at, postgresql_where=text("status = 'resolved'"))

# The correlation keys an incident holds (its dedup keys, or host and rule): a storm holds those of
# every host it gathered. A key is active while its incident is open; at most one active row per key,
# so a trigger finds exactly one incident to attach to.
incident_keys = Table(
    "incident_keys",
    metadata,
    Column("incident_id", UUID(as_uuid=True), ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
    Column("correlation_key", Text, nullable=False),
    Column("host", Text, nullable=True),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    # `triggered` until its source resolves it; an incident whose keys are all resolved is resolved.
    Column("state", Text, nullable=False, server_default="triggered"),
    Column("alert_count", Integer, nullable=False, server_default=text("0")),
    Column("first_seen_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("state IN ('triggered', 'resolved')", name="incident_keys_state"),
)
Index("incident_keys_incident", incident_keys.c.incident_id, incident_keys.c.correlation_key, unique=True)
Index("incident_keys_active", incident_keys.c.correlation_key, unique=True, postgresql_where=text("active"))

# Every alert received (its event id is the bus's), with the incident it went to: the alert list on
# the timeline, and the storm detector's window.
alerts = Table(
    "alerts",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("incident_id", UUID(as_uuid=True), ForeignKey("incidents.id", ondelete="CASCADE"), nullable=True),
    Column("source", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("correlation_key", Text, nullable=False),
    Column("dedup_key", Text, nullable=True),
    Column("host", Text, nullable=True),
    Column("rule", Text, nullable=True),
    Column("severity", Text, nullable=True),
    Column("summary", Text, nullable=True),
    Column("payload", JSONB, nullable=True),
    Column("occurred_at", DateTime(timezone=True), nullable=True),
    Column("received_at", DateTime(timezone=True), nullable=False),
    # What the correlator did with it: opened, attached, joined_storm, opened_storm, acknowledged,
    # resolved_key, resolved, ignored.
    Column("outcome", Text, nullable=False),
    # When the correlator wrote it, just before its batch commits (the alert-to-incident latency of
    # `make bench-alerts`).
    Column(
        "correlated_at", DateTime(timezone=True), nullable=False, server_default=text("clock_timestamp()")
    ),
)
Index("alerts_incident", alerts.c.incident_id, alerts.c.received_at)
Index(
    "alerts_rule_window",
    alerts.c.source,
    alerts.c.rule,
    alerts.c.received_at,
    postgresql_where=text("action = 'trigger'"),
)

# What happened to an incident besides its alerts (those are read from `alerts`): created, status
# changes, assignments, escalations, notes, enrichment, gathering into a storm.
incident_timeline = Table(
    "incident_timeline",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("incident_id", UUID(as_uuid=True), ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("kind", Text, nullable=False),
    Column("actor_id", UUID(as_uuid=True), nullable=True),
    Column("actor_name", Text, nullable=True),
    Column("summary", Text, nullable=False),
    Column("details", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
)
Index("incident_timeline_incident", incident_timeline.c.incident_id, incident_timeline.c.at)

incident_notes = Table(
    "incident_notes",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("incident_id", UUID(as_uuid=True), ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
    Column("author_id", UUID(as_uuid=True), nullable=True),
    Column("author_name", Text, nullable=True),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index("incident_notes_incident", incident_notes.c.incident_id, incident_notes.c.created_at)

# One response per actor and incident; a second submission replaces the first.
csat_responses = Table(
    "csat_responses",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("incident_id", UUID(as_uuid=True), ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
    Column("actor_id", UUID(as_uuid=True), nullable=False),
    Column("actor_name", Text, nullable=False),
    Column("rating", SmallInteger, nullable=False),
    Column("comment", Text, nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("rating BETWEEN 1 AND 5", name="csat_responses_rating"),
)
Index("csat_responses_actor", csat_responses.c.incident_id, csat_responses.c.actor_id, unique=True)

# The ITSM settings, one row (`id` = 1): the storm detector, auto-close, the ITIL matrix, the
# account-wide defaults.
itsm_settings = Table(
    "itsm_settings",
    metadata,
    Column("id", SmallInteger, primary_key=True),
    Column("storm_window_minutes", Integer, nullable=False, server_default=text("5")),
    Column("storm_host_threshold", Integer, nullable=False, server_default=text("3")),
    Column("auto_close_hours", Integer, nullable=False, server_default=text("48")),
    # {"high": {"high": "P1", "medium": "P2", "low": "P3"}, ...}: impact, then urgency.
    Column("priority_matrix", JSONB, nullable=True),
    Column("default_sla_id", UUID(as_uuid=True), nullable=True),
    Column("default_escalation_policy_id", UUID(as_uuid=True), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("id = 1", name="itsm_settings_one_row"),
    CheckConstraint("storm_window_minutes BETWEEN 1 AND 1440", name="itsm_settings_storm_window"),
    CheckConstraint("storm_host_threshold BETWEEN 2 AND 10000", name="itsm_settings_storm_threshold"),
    CheckConstraint("auto_close_hours BETWEEN 1 AND 720", name="itsm_settings_auto_close"),
)

# The inventory's tenants (an organisation in docs/itsm.md), host groups and devices, as the
# `inventory.*` contract carries them, newest by the event's time.
inventory_tenants = Table(
    "inventory_tenants",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("name", Text, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    # An organisation's own defaults, set in ITSM (not by the inventory).
    Column("default_sla_id", UUID(as_uuid=True), nullable=True),
    Column("default_escalation_policy_id", UUID(as_uuid=True), nullable=True),
)

inventory_host_groups = Table(
    "inventory_host_groups",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), nullable=True),
    Column("name", Text, nullable=False),
    Column("criticality", Text, nullable=True),
    Column("depends_on", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    # The group's SLA, set in ITSM.
    Column("sla_id", UUID(as_uuid=True), nullable=True),
)

inventory_hosts = Table(
    "inventory_hosts",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), nullable=True),
    Column("host_group_id", UUID(as_uuid=True), nullable=True),
    Column("name", Text, nullable=False),
    # Lower-cased hostname (attributes.hostname, else the name): what an alert's `source` is matched to.
    Column("hostname", Text, nullable=False),
    Column("criticality", Text, nullable=True),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)
Index("inventory_hosts_hostname", inventory_hosts.c.hostname)

assignment_groups = Table(
    "assignment_groups",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("description", Text, nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# Each run of the auto-close policy, by the sweep (no actor) or by hand, previews included.
auto_close_runs = Table(
    "auto_close_runs",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("actor_id", UUID(as_uuid=True), nullable=True),
    # The operator's username, or "auto-close sweep".
    Column("actor_name", Text, nullable=False),
    Column("stale_hours", Integer, nullable=False),
    Column("dry_run", Boolean, nullable=False),
    Column("incident_ids", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
)
Index("auto_close_runs_at", auto_close_runs.c.at.desc())

# The SLA engine's definitions (sla.definition.*), so an incident's SLA is one that exists.
sla_definitions = Table(
    "sla_definitions",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("name", Text, nullable=False),
    Column("response_hours", Integer, nullable=True),
    Column("resolution_hours", Integer, nullable=True),
    Column("removed", Boolean, nullable=False, server_default=text("false")),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)

# Each source's admission on the bus (alerts/admission.py): how many of its alerts this minute were
# correlated at once, and how many wait in `deferred_alerts` to be correlated at its rate.
alert_admission = Table(
    "alert_admission",
    metadata,
    Column("source", Text, primary_key=True),
    Column("window_start", DateTime(timezone=True), nullable=False),
    Column("admitted", Integer, nullable=False, server_default=text("0")),
    Column("deferred", Integer, nullable=False, server_default=text("0")),
)

# Alerts of a source over its rate, in arrival order, until the drain correlates them.
deferred_alerts = Table(
    "deferred_alerts",
    metadata,
    Column("sequence", BigInteger, primary_key=True, autoincrement=True),
    Column("source", Text, nullable=False),
    Column("envelope", JSONB, nullable=False),
    Column("deferred_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index("deferred_alerts_source", deferred_alerts.c.source, deferred_alerts.c.sequence)
