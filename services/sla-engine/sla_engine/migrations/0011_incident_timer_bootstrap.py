"""The mark that the incident timers were learnt from itsm's incident states, as tables.py declared it
when this revision was written.

No row is written for an engine already running: its incident timers came from the ITSM stream, which
held only its last two weeks when the engine started, so it learns the older incidents under an SLA too
(a state older than the timer's snapshot changes nothing).

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incident_timer_bootstrap",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("incidents", sa.Integer(), nullable=False),
        sa.CheckConstraint("id = 1", name="incident_timer_bootstrap_one_row"),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("incident_timer_bootstrap")
