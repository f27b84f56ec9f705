"""The engine remembers that it learnt its timers from ticketing's ticket states.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "timer_bootstrap",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tickets", sa.Integer, nullable=False),
        sa.CheckConstraint("id = 1", name="timer_bootstrap_one_row"),
    )
    # An engine already running learnt its timers from the events; it needs no bootstrap.
    op.execute(
        "INSERT INTO timer_bootstrap (id, finished_at, tickets)"
        " SELECT 1, now(), count(*) FROM ticket_timers HAVING count(*) > 0"
    )


def downgrade() -> None:
    op.drop_table("timer_bootstrap")
