"""The outbox's published rows kept until JetStream has them on disk (the relay's retention).

Revision ID: 0002
Revises: 0001
"""

from alembic import op

from helpdesk_common.messaging_tables import create_messaging_tables, drop_outbox_retained

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_messaging_tables(op.get_bind())


def downgrade() -> None:
    drop_outbox_retained(op.get_bind())
