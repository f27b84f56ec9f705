"""Each source's admission on the bus and the alerts deferred over its rate, as tables.py declared
them when this revision was written.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_admission",
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("admitted", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("deferred", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.PrimaryKeyConstraint("source"),
    )
    op.create_table(
        "deferred_alerts",
        sa.Column("sequence", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("envelope", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("deferred_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("sequence"),
    )
    op.create_index("deferred_alerts_source", "deferred_alerts", ["source", "sequence"], unique=False)


def downgrade() -> None:
    op.drop_table("deferred_alerts")
    op.drop_table("alert_admission")
