"""The live updates' tables (live/tables.py): tickets as the unread counter needs them, and what each
operator last opened.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "live_tickets",
        sa.Column("ticket_id", sa.UUID(), nullable=False),
        sa.Column("department_id", sa.UUID()),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.Column("attention_at", sa.DateTime(timezone=True)),
        sa.Column("attention_by", sa.UUID()),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("ticket_id"),
    )
    op.create_index("live_tickets_department", "live_tickets", ["department_id"])
    op.create_table(
        "live_reads",
        sa.Column("operator_id", sa.UUID(), nullable=False),
        sa.Column("ticket_id", sa.UUID(), nullable=False),
        sa.Column("read_up_to", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("operator_id", "ticket_id"),
    )


def downgrade() -> None:
    op.drop_table("live_reads")
    op.drop_index("live_tickets_department", table_name="live_tickets")
    op.drop_table("live_tickets")
