"""SLA definitions, per-ticket timers and the Ticket System switch, as tables.py declared them when
this revision was written (3590af3).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sla_definitions",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("response_hours", sa.Integer()),
        sa.Column("resolution_hours", sa.Integer()),
        sa.Column("priority_override", sa.Text()),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "priority_override IN ('low', 'medium', 'high', 'critical')",
            name="sla_definitions_priority_override",
        ),
        sa.CheckConstraint("resolution_hours > 0", name="sla_definitions_resolution_hours"),
        sa.CheckConstraint("response_hours > 0", name="sla_definitions_response_hours"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "sla_definitions_name_key", "sla_definitions", [sa.literal_column("lower(name)")], unique=True
    )
    op.create_table(
        "module_switch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_system_enabled", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name="module_switch_single_row"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "ticket_timers",
        sa.Column("ticket_id", sa.UUID(), nullable=False),
        sa.Column("ticket", postgresql.JSONB(), nullable=False),
        sa.Column("ticket_updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sla_id", sa.UUID()),
        sa.Column("response_due_at", sa.DateTime(timezone=True)),
        sa.Column("resolution_due_at", sa.DateTime(timezone=True)),
        sa.Column("responded_at", sa.DateTime(timezone=True)),
        sa.Column("response_warned_at", sa.DateTime(timezone=True)),
        sa.Column("response_breached_at", sa.DateTime(timezone=True)),
        sa.Column("resolution_warned_at", sa.DateTime(timezone=True)),
        sa.Column("resolution_breached_at", sa.DateTime(timezone=True)),
        sa.Column("next_check_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("ticket_id"),
    )
    op.create_index(
        "ticket_timers_next_check",
        "ticket_timers",
        ["next_check_at"],
        postgresql_where=sa.text("next_check_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_table("ticket_timers")
    op.drop_table("module_switch")
    op.drop_table("sla_definitions")
