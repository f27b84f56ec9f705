"""Timers per incident, kept from the ITSM incident events, as tables.py declared them when this
revision was written.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

INSTANTS = (
    "response_due_at",
    "resolution_due_at",
    "response_warning_due_at",
    "response_critical_at",
    "resolution_warning_due_at",
    "resolution_critical_at",
    "responded_at",
    "response_breached_at",
    "resolution_breached_at",
)


def upgrade() -> None:
    op.create_table(
        "incident_timers",
        sa.Column("incident_id", sa.UUID(), nullable=False),
        sa.Column("incident_number", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("incident_updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sla_id", sa.UUID()),
        *(sa.Column(column, sa.DateTime(timezone=True)) for column in INSTANTS),
        sa.Column("response_outcome", sa.Text()),
        sa.Column("resolution_outcome", sa.Text()),
        sa.Column("revision", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("next_check_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("incident_id"),
    )
    op.create_index(
        "incident_timers_next_check",
        "incident_timers",
        ["next_check_at"],
        postgresql_where=sa.text("next_check_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_table("incident_timers")
