"""Incident notifications, as tables/webhooks.py and tables/notifications.py declared them when this
revision was written: a webhook's scope (a department's, or the ITSM account's, which has no
department), the incident a delivery is about, the one row of incident e-mail settings, and the
copy of the gateway's operators (an incident's assignee is written to). Every webhook saved before is
a department's.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("webhooks", sa.Column("scope", sa.Text(), server_default="department", nullable=False))
    op.alter_column("webhooks", "department_id", nullable=True)
    op.create_check_constraint(
        "webhooks_scope",
        "webhooks",
        "(scope = 'department' AND department_id IS NOT NULL) OR (scope = 'itsm' AND department_id IS NULL)",
    )
    op.add_column("webhook_deliveries", sa.Column("incident_id", sa.UUID()))
    op.create_table(
        "incident_notification_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_department_id", sa.UUID()),
        sa.Column("rules", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("id = 1", name="incident_notification_settings_one_row"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "operators",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("username", sa.Text(), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("default_department_id", sa.UUID()),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("operators")
    op.drop_table("incident_notification_settings")
    op.drop_column("webhook_deliveries", "incident_id")
    op.execute("DELETE FROM webhooks WHERE scope = 'itsm'")
    op.drop_constraint("webhooks_scope", "webhooks")
    op.alter_column("webhooks", "department_id", nullable=False)
    op.drop_column("webhooks", "scope")
