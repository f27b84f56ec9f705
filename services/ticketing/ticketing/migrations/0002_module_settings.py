"""The module settings row, as tables.py declared it when this revision was written (c5e482c).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "module_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_system_enabled", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("ticket_number_prefix", sa.Text(), server_default="TKT", nullable=False),
        sa.Column("blocked_extensions", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_by", sa.UUID()),
        sa.CheckConstraint("id = 1", name="module_settings_single_row"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute("INSERT INTO module_settings (id) VALUES (1)")


def downgrade() -> None:
    op.drop_table("module_settings")
