"""The mark that the tickets were learnt from ticketing's ticket states, as tables.py declared it when
this revision was written.

No row is written for a service already running: its tickets projection knows only what the ticket
stream still held when it started, so it learns the older tickets too (a snapshot older than what it
knows changes nothing).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ticket_bootstrap",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tickets", sa.Integer(), nullable=False),
        sa.CheckConstraint("id = 1", name="ticket_bootstrap_one_row"),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("ticket_bootstrap")
