"""One auto-reply decision per ticket created from e-mail, as tables/replies.py declared it when this
revision was written.

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
        "auto_replies",
        sa.Column("ticket_id", sa.UUID(), nullable=False),
        sa.Column("department_id", sa.UUID(), nullable=False),
        sa.Column("recipient", sa.Text(), nullable=False),
        sa.Column("message_id", sa.Text()),
        sa.Column("skipped", sa.Text()),
        sa.Column("decided_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("ticket_id"),
    )
    op.create_index(
        "auto_replies_recipient", "auto_replies", [sa.literal_column("lower(recipient)"), "decided_at"]
    )


def downgrade() -> None:
    op.drop_table("auto_replies")
