"""The outbox's published rows kept until JetStream has them on disk (the relay's retention), as
the services' outbox_retained migrations made them (2037d9a).

Revision ID: messaging_0002
Revises: messaging_0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "messaging_0002"
down_revision = "messaging_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox_retained",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column(
            "published_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("event_ids", postgresql.ARRAY(sa.UUID()), nullable=False),
        sa.Column("subjects", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("payloads", postgresql.ARRAY(sa.LargeBinary()), nullable=False),
        sa.Column("headers", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("outbox_retained")
