"""The poller's cursor per mailbox: the folder's UIDVALIDITY and the highest UID stored.

Revision ID: 0006
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("mailboxes", sa.Column("imap_uidvalidity", sa.BigInteger()))
    op.add_column(
        "mailboxes", sa.Column("imap_last_uid", sa.BigInteger(), server_default=sa.text("0"), nullable=False)
    )


def downgrade() -> None:
    op.drop_column("mailboxes", "imap_last_uid")
    op.drop_column("mailboxes", "imap_uidvalidity")
