"""The incidents: alert sources and their integration keys, incidents with the correlation keys they
hold, the alerts, the timeline, notes, CSAT, the ITSM settings, the inventory projection with its
organisation and host group defaults, assignment groups, the auto-close runs, the SLA definitions and
the operators, as tables.py declared them when this revision was written.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(sa.schema.CreateSequence(sa.Sequence("incident_numbers")))
    op.create_table(
        "operators",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("username", sa.Text(), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("default_department_id", sa.UUID(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "alert_sources",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("rate_per_minute", sa.Integer(), server_default=sa.text("6000"), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("last_alert_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("rate_per_minute BETWEEN 1 AND 1000000", name="alert_sources_rate"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "assignment_groups",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "auto_close_runs",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("actor_id", sa.UUID(), nullable=True),
        sa.Column("actor_name", sa.Text(), nullable=False),
        sa.Column("stale_hours", sa.Integer(), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column(
            "incident_ids",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("auto_close_runs_at", "auto_close_runs", [sa.literal_column("at DESC")], unique=False)
    op.create_table(
        "incidents",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("number", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("severity", sa.Text(), nullable=False),
        sa.Column("impact", sa.Text(), nullable=False),
        sa.Column("urgency", sa.Text(), nullable=False),
        sa.Column("priority", sa.Text(), nullable=False),
        sa.Column("category", sa.Text(), nullable=True),
        sa.Column("subcategory", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("host", sa.Text(), nullable=True),
        sa.Column("rule", sa.Text(), nullable=True),
        sa.Column("is_storm", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("storm_id", sa.UUID(), nullable=True),
        sa.Column("alert_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("host_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.UUID(), nullable=True),
        sa.Column("host_group_id", sa.UUID(), nullable=True),
        sa.Column("sla_id", sa.UUID(), nullable=True),
        sa.Column("response_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sla_breached_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sla_revision", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("escalation_policy_id", sa.UUID(), nullable=True),
        sa.Column("escalation_level", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("assignee_id", sa.UUID(), nullable=True),
        sa.Column("assignee_username", sa.Text(), nullable=True),
        sa.Column("assignee_idp_user", sa.Text(), nullable=True),
        sa.Column("assignment_group_id", sa.UUID(), nullable=True),
        sa.Column("resolution_code", sa.Text(), nullable=True),
        sa.Column("resolution_notes", sa.Text(), nullable=True),
        sa.Column(
            "enrichment",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("created_by_id", sa.UUID(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reopened_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("impact IN ('high', 'medium', 'low')", name="incidents_impact"),
        sa.CheckConstraint("priority IN ('P1', 'P2', 'P3', 'P4')", name="incidents_priority"),
        sa.CheckConstraint("severity IN ('critical', 'error', 'warning', 'info')", name="incidents_severity"),
        sa.CheckConstraint(
            "status IN ('open', 'acknowledged', 'resolved', 'closed')", name="incidents_status"
        ),
        sa.CheckConstraint("urgency IN ('high', 'medium', 'low')", name="incidents_urgency"),
        sa.ForeignKeyConstraint(
            ["storm_id"],
            ["incidents.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    op.create_index(
        "incidents_created",
        "incidents",
        [sa.literal_column("created_at DESC"), sa.literal_column("id DESC")],
        unique=False,
    )
    op.create_index(
        "incidents_open_storm",
        "incidents",
        ["source", "rule"],
        unique=True,
        postgresql_where=sa.text("is_storm AND status IN ('open', 'acknowledged')"),
    )
    op.create_index(
        "incidents_resolved",
        "incidents",
        ["resolved_at"],
        unique=False,
        postgresql_where=sa.text("status = 'resolved'"),
    )
    op.create_index(
        "incidents_status_created",
        "incidents",
        ["status", sa.literal_column("created_at DESC")],
        unique=False,
    )
    op.create_table(
        "inventory_host_groups",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("tenant_id", sa.UUID(), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("criticality", sa.Text(), nullable=True),
        sa.Column(
            "depends_on",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sla_id", sa.UUID(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "inventory_hosts",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("tenant_id", sa.UUID(), nullable=True),
        sa.Column("host_group_id", sa.UUID(), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("hostname", sa.Text(), nullable=False),
        sa.Column("criticality", sa.Text(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("inventory_hosts_hostname", "inventory_hosts", ["hostname"], unique=False)
    op.create_table(
        "inventory_tenants",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("default_sla_id", sa.UUID(), nullable=True),
        sa.Column("default_escalation_policy_id", sa.UUID(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "itsm_settings",
        sa.Column("id", sa.SmallInteger(), nullable=False),
        sa.Column("storm_window_minutes", sa.Integer(), server_default=sa.text("5"), nullable=False),
        sa.Column("storm_host_threshold", sa.Integer(), server_default=sa.text("3"), nullable=False),
        sa.Column("auto_close_hours", sa.Integer(), server_default=sa.text("48"), nullable=False),
        sa.Column("priority_matrix", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("default_sla_id", sa.UUID(), nullable=True),
        sa.Column("default_escalation_policy_id", sa.UUID(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("auto_close_hours BETWEEN 1 AND 720", name="itsm_settings_auto_close"),
        sa.CheckConstraint("id = 1", name="itsm_settings_one_row"),
        sa.CheckConstraint("storm_host_threshold BETWEEN 2 AND 10000", name="itsm_settings_storm_threshold"),
        sa.CheckConstraint("storm_window_minutes BETWEEN 1 AND 1440", name="itsm_settings_storm_window"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "sla_definitions",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("response_hours", sa.Integer(), nullable=True),
        sa.Column("resolution_hours", sa.Integer(), nullable=True),
        sa.Column("removed", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("incident_id", sa.UUID(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("correlation_key", sa.Text(), nullable=False),
        sa.Column("dedup_key", sa.Text(), nullable=True),
        sa.Column("host", sa.Text(), nullable=True),
        sa.Column("rule", sa.Text(), nullable=True),
        sa.Column("severity", sa.Text(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column(
            "correlated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("alerts_incident", "alerts", ["incident_id", "received_at"], unique=False)
    op.create_index(
        "alerts_rule_window",
        "alerts",
        ["source", "rule", "received_at"],
        unique=False,
        postgresql_where=sa.text("action = 'trigger'"),
    )
    op.create_table(
        "csat_responses",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("incident_id", sa.UUID(), nullable=False),
        sa.Column("actor_id", sa.UUID(), nullable=False),
        sa.Column("actor_name", sa.Text(), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name="csat_responses_rating"),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("csat_responses_actor", "csat_responses", ["incident_id", "actor_id"], unique=True)
    op.create_table(
        "incident_keys",
        sa.Column("incident_id", sa.UUID(), nullable=False),
        sa.Column("correlation_key", sa.Text(), nullable=False),
        sa.Column("host", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("state", sa.Text(), server_default="triggered", nullable=False),
        sa.Column("alert_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("state IN ('triggered', 'resolved')", name="incident_keys_state"),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], ondelete="CASCADE"),
    )
    op.create_index(
        "incident_keys_active",
        "incident_keys",
        ["correlation_key"],
        unique=True,
        postgresql_where=sa.text("active"),
    )
    op.create_index(
        "incident_keys_incident", "incident_keys", ["incident_id", "correlation_key"], unique=True
    )
    op.create_table(
        "incident_notes",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("incident_id", sa.UUID(), nullable=False),
        sa.Column("author_id", sa.UUID(), nullable=True),
        sa.Column("author_name", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("incident_notes_incident", "incident_notes", ["incident_id", "created_at"], unique=False)
    op.create_table(
        "incident_timeline",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("incident_id", sa.UUID(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("actor_id", sa.UUID(), nullable=True),
        sa.Column("actor_name", sa.Text(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column(
            "details",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("incident_timeline_incident", "incident_timeline", ["incident_id", "at"], unique=False)
    op.create_table(
        "integration_keys",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("source_id", sa.UUID(), nullable=False),
        sa.Column("key_hash", sa.LargeBinary(), nullable=False),
        sa.Column("hint", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("created_by_id", sa.UUID(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["source_id"], ["alert_sources.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_hash"),
    )
    op.create_index("integration_keys_source", "integration_keys", ["source_id"], unique=False)


def downgrade() -> None:
    for table in (
        "sla_definitions",
        "auto_close_runs",
        "assignment_groups",
        "inventory_hosts",
        "inventory_host_groups",
        "inventory_tenants",
        "itsm_settings",
        "csat_responses",
        "incident_notes",
        "incident_timeline",
        "alerts",
        "incident_keys",
        "integration_keys",
        "incidents",
        "alert_sources",
        "operators",
    ):
        op.drop_table(table)
    op.execute(sa.schema.DropSequence(sa.Sequence("incident_numbers")))
