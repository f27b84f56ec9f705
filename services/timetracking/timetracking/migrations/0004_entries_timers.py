"""Departments' time settings, time entries (no two booked entries of one operator overlap: an
exclusion constraint, with btree_gist installed into the schema at provisioning) and the running
timers, as tables.py declared them when this revision was written.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "time_settings",
        sa.Column("department_id", sa.UUID(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("idle_timeout_minutes", sa.Integer(), nullable=False),
        sa.Column("confirm_timeout_minutes", sa.Integer(), nullable=False),
        sa.Column("rounding_minutes", sa.Integer(), nullable=False),
        sa.Column("rounding_mode", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("rounding_mode IN ('up', 'nearest')", name="time_settings_rounding_mode"),
        sa.CheckConstraint(
            "confirm_timeout_minutes BETWEEN 1 AND 1440", name="time_settings_confirm_timeout"
        ),
        sa.CheckConstraint("idle_timeout_minutes BETWEEN 1 AND 1440", name="time_settings_idle_timeout"),
        sa.CheckConstraint("rounding_minutes BETWEEN 0 AND 1440", name="time_settings_rounding"),
        sa.PrimaryKeyConstraint("department_id"),
    )
    op.create_table(
        "entries",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("work_item_kind", sa.Text(), nullable=False),
        sa.Column("work_item_id", sa.UUID(), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("username", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("duration_seconds", sa.Integer(), nullable=True),
        sa.Column("rounded_seconds", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), server_default="", nullable=False),
        sa.Column("origin", sa.Text(), nullable=False),
        sa.Column("billable", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        postgresql.ExcludeConstraint(
            (sa.column("user_id"), "="),
            (sa.text("tstzrange(started_at, ended_at)"), "&&"),
            where=sa.text("ended_at IS NOT NULL"),
            using="gist",
            name="entries_no_overlap",
        ),
        sa.CheckConstraint("origin IN ('manual', 'automatic')", name="entries_origin"),
        sa.CheckConstraint("work_item_kind IN ('ticket', 'incident')", name="entries_work_item_kind"),
        sa.CheckConstraint(
            "(ended_at IS NULL) = (duration_seconds IS NULL) "
            "AND (ended_at IS NULL) = (rounded_seconds IS NULL)",
            name="entries_closed_whole",
        ),
        sa.CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="entries_ends_after_start"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("entries_started", "entries", ["started_at"], unique=False)
    op.create_index(
        "entries_work_item", "entries", ["work_item_kind", "work_item_id", "started_at"], unique=False
    )
    op.create_table(
        "timers",
        sa.Column("operator_id", sa.UUID(), nullable=False),
        sa.Column("entry_id", sa.UUID(), nullable=False),
        sa.Column("work_item_kind", sa.Text(), nullable=False),
        sa.Column("work_item_id", sa.UUID(), nullable=False),
        sa.Column("last_activity_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirm_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("idle_until", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("last_activity_at <= confirm_due_at", name="timers_activity_before_due"),
        sa.ForeignKeyConstraint(["entry_id"], ["entries.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("operator_id"),
    )
    op.create_index("timers_entry", "timers", ["entry_id"], unique=True)
    op.create_index("timers_idle_until", "timers", ["idle_until"], unique=False)
    op.create_index("timers_work_item", "timers", ["work_item_kind", "work_item_id"], unique=False)


def downgrade() -> None:
    op.drop_table("timers")
    op.drop_table("entries")
    op.drop_table("time_settings")
