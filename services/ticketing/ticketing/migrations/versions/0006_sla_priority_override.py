"""The SLA projection keeps each SLA's priority override.

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # IF NOT EXISTS: revision 0004 creates the table from tables.py as it is today, which already
    # has the column on a fresh database; a database migrated before needs it added.
    op.execute("ALTER TABLE sla_definitions ADD COLUMN IF NOT EXISTS priority_override text")


def downgrade() -> None:
    op.execute("ALTER TABLE sla_definitions DROP COLUMN IF EXISTS priority_override")
