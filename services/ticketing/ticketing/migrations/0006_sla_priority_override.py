"""The SLA projection keeps each SLA's priority override.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("sla_definitions", sa.Column("priority_override", sa.Text()))


def downgrade() -> None:
    op.drop_column("sla_definitions", "priority_override")
