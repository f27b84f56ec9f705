"""The mark that ticketing's departments and Ticket System switch were learnt from its states, as
tables/mailboxes.py declared it when this revision was written.

No row is written for a service already running: what it knows came from the TICKETING stream, which
held only its last two weeks when the service started, so it learns the older ones too (a state older
than what it knows changes nothing, and a removed department stays removed).

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "records_bootstrap",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("departments", sa.Integer(), nullable=False),
        sa.CheckConstraint("id = 1", name="records_bootstrap_one_row"),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("records_bootstrap")
