"""Raw inbound messages (the poller's and the importer's store) and their parse state, as
tables/inbound.py declared them when this revision was written.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbound_messages",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("department_id", sa.UUID(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger()),
        sa.Column("uid", sa.BigInteger()),
        sa.Column("file_name", sa.Text()),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.LargeBinary(), nullable=False),
        sa.Column("message_id", sa.Text()),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("state", sa.Text(), server_default="stored", nullable=False),
        sa.Column("error", sa.Text()),
        sa.Column("parse_attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("parsed_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint(
            "source <> 'imap' OR (uidvalidity IS NOT NULL AND uid IS NOT NULL)",
            name="inbound_messages_imap_cursor",
        ),
        sa.CheckConstraint("source IN ('imap', 'import')", name="inbound_messages_source"),
        sa.CheckConstraint("state IN ('stored', 'parsed', 'failed')", name="inbound_messages_state"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("department_id", "uidvalidity", "uid", name="inbound_messages_imap_uid"),
    )
    op.create_index(
        "inbound_messages_failed",
        "inbound_messages",
        ["department_id", "received_at"],
        postgresql_where=sa.text("state = 'failed'"),
    )
    op.create_index(
        "inbound_messages_import_sha256",
        "inbound_messages",
        ["department_id", "sha256"],
        unique=True,
        postgresql_where=sa.text("source = 'import'"),
    )
    op.create_index("inbound_messages_message_id", "inbound_messages", ["department_id", "message_id"])


def downgrade() -> None:
    op.drop_table("inbound_messages")
