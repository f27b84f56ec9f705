"""One auto-reply decision per ticket created from e-mail, and the conversations the follow-up reminder
watches, as tables/replies.py declared them when this revision was written.

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

    op.create_table(
        "follow_ups",
        sa.Column("ticket_id", sa.UUID(), nullable=False),
        sa.Column("department_id", sa.UUID()),
        sa.Column("number", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("contact_email", sa.Text()),
        sa.Column("last_outbound_at", sa.DateTime(timezone=True)),
        sa.Column("last_inbound_at", sa.DateTime(timezone=True)),
        sa.Column("ticket_updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("ticket_id"),
    )
    op.create_index(
        "follow_ups_due",
        "follow_ups",
        ["last_outbound_at"],
        postgresql_where=sa.text("reminded_at IS NULL AND last_outbound_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_table("follow_ups")
    op.drop_table("auto_replies")
