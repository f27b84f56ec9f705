"""The mark that ITSM's incidents were learnt from its incident states, as tables.py declared it when
this revision was written.

No row is written for a service already running: what it knows came from the ITSM stream, which held
only its last two weeks when the service started, so it learns the older ones too (a state older than
what it knows changes nothing).

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
        "incident_bootstrap",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("incidents", sa.Integer(), nullable=False),
        sa.CheckConstraint("id = 1", name="incident_bootstrap_one_row"),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("incident_bootstrap")
