"""The outbox's published rows kept until JetStream has them on disk (the relay's retention).

Revision ID: 0008
Revises: 0007
"""

from alembic import op

from helpdesk_common.messaging_tables import create_messaging_tables, drop_outbox_retained

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_messaging_tables(op.get_bind())


def downgrade() -> None:
    drop_outbox_retained(op.get_bind())
