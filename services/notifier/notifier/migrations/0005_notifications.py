"""Each department's e-mail notification settings, as tables/notifications.py declared them when this
revision was written.

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
        "notification_settings",
        sa.Column("department_id", sa.UUID(), nullable=False),
        sa.Column("recipients", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("events", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("department_id"),
    )


def downgrade() -> None:
    op.drop_table("notification_settings")
