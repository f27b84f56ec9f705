"""Outbound messages and their delivery state, as tables/outbound.py declared them when this revision
was written.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
# Re-chained by the lead behind 0003/0004 when the mail gateway's parts are merged.
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbound_messages",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("message_id", sa.Text(), nullable=False),
        sa.Column("department_id", sa.UUID(), nullable=False),
        sa.Column("ticket_id", sa.UUID(), nullable=False),
        sa.Column("comment_id", sa.UUID()),
        sa.Column("request", postgresql.JSONB(), nullable=False),
        sa.Column("state", sa.Text(), server_default="queued", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True)),
        sa.Column("claimed_by", sa.Text()),
        sa.Column("claimed_until", sa.DateTime(timezone=True)),
        sa.Column("handed_over_at", sa.DateTime(timezone=True)),
        sa.Column("last_words", sa.Text(), server_default="", nullable=False),
        sa.Column("revision", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint(
            "state IN ('queued', 'sending', 'sent', 'retrying', 'failed')", name="outbound_messages_state"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id"),
    )
    op.create_index(
        "outbound_messages_due",
        "outbound_messages",
        ["next_attempt_at"],
        postgresql_where=sa.text("state IN ('queued', 'retrying')"),
    )
    op.create_index(
        "outbound_messages_claimed",
        "outbound_messages",
        ["claimed_until"],
        postgresql_where=sa.text("state = 'sending'"),
    )
    op.create_index("outbound_messages_comment", "outbound_messages", ["comment_id"])


def downgrade() -> None:
    op.drop_table("outbound_messages")
