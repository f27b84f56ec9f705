"""Tickets keep the rest of the SLA engine's deadlines: where the thresholds fall, each target's
outcome, a pause, and the revision that wrote them.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

INSTANTS = (
    "response_warning_at",
    "response_critical_at",
    "resolution_warning_at",
    "resolution_critical_at",
    "sla_paused_since",
)
OUTCOMES = ("response_outcome", "resolution_outcome")


def upgrade() -> None:
    for column in INSTANTS:
        op.add_column("tickets", sa.Column(column, sa.DateTime(timezone=True)))
    for column in OUTCOMES:
        op.add_column("tickets", sa.Column(column, sa.Text))
    op.add_column(
        "tickets", sa.Column("sla_revision", sa.Integer, nullable=False, server_default=sa.text("0"))
    )


def downgrade() -> None:
    for column in (*INSTANTS, *OUTCOMES, "sla_revision"):
        op.drop_column("tickets", column)
