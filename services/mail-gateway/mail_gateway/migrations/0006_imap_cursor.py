"""The poller's cursor per mailbox (the folder's UIDVALIDITY and the highest UID stored), and the
pollers alive.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("mailboxes", sa.Column("imap_uidvalidity", sa.BigInteger()))
    op.add_column(
        "mailboxes", sa.Column("imap_last_uid", sa.BigInteger(), server_default=sa.text("0"), nullable=False)
    )

    op.create_table(
        "pollers",
        sa.Column("holder", sa.Text(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("holder"),
    )


def downgrade() -> None:
    op.drop_table("pollers")
    op.drop_column("mailboxes", "imap_last_uid")
    op.drop_column("mailboxes", "imap_uidvalidity")
