"""The compliance read finds the tickets created in a range under an SLA by their start.

Revision ID: 0007
Revises: 0006
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX ticket_timers_started ON ticket_timers (started_at) WHERE sla_id IS NOT NULL")


def downgrade() -> None:
    op.execute("DROP INDEX ticket_timers_started")
