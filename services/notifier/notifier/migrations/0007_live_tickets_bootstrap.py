"""The mark that the live updates' tickets were learnt from ticketing's ticket states, as
live/tables.py declared it when this revision was written.

No row is written for a notifier already running: its live tickets are only those the ticket stream
still held when it started, so it learns the older ones too (a snapshot older than what it knows
changes nothing, and no snapshot makes a ticket unread).

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
    op.create_table(
        "live_tickets_bootstrap",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tickets", sa.Integer(), nullable=False),
        sa.CheckConstraint("id = 1", name="live_tickets_bootstrap_one_row"),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("live_tickets_bootstrap")
