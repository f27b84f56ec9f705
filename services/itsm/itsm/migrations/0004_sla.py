"""Incidents keep the rest of what the SLA engine publishes of their deadlines: the warning and critical
instants of each window and each target's outcome.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

INSTANTS = ("response_warning_at", "response_critical_at", "resolution_warning_at", "resolution_critical_at")
OUTCOMES = ("response_outcome", "resolution_outcome")


def upgrade() -> None:
    for column in INSTANTS:
        op.add_column("incidents", sa.Column(column, sa.DateTime(timezone=True), nullable=True))
    for column in OUTCOMES:
        op.add_column("incidents", sa.Column(column, sa.Text(), nullable=True))


def downgrade() -> None:
    for column in (*INSTANTS, *OUTCOMES):
        op.drop_column("incidents", column)
