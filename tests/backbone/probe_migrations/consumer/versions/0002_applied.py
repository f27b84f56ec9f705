"""The consumer's effect table.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

from tests.backbone.probe import applied

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    applied.create(op.get_bind())


def downgrade() -> None:
    applied.drop(op.get_bind())
