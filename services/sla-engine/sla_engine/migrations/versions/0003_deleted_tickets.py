"""Timers remember that their ticket was deleted (ticket_deleted).

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # IF NOT EXISTS: revision 0002 creates the table from tables.py as it is today, which already has
    # the column on a fresh database; a database migrated before needs it added.
    op.execute("ALTER TABLE ticket_timers ADD COLUMN IF NOT EXISTS deleted_at timestamptz")


def downgrade() -> None:
    op.execute("ALTER TABLE ticket_timers DROP COLUMN IF EXISTS deleted_at")
