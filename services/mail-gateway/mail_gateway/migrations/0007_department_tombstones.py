"""Removed departments kept as tombstones (`departments.removed_at`), so a late `department_changed`
does not bring one back.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("departments", sa.Column("removed_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    op.drop_column("departments", "removed_at")
