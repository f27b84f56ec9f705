"""Labels and ticket types.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

from ticketing.tables.labels import labels, ticket_types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    labels.create(op.get_bind())
    ticket_types.create(op.get_bind())


def downgrade() -> None:
    ticket_types.drop(op.get_bind())
    labels.drop(op.get_bind())
