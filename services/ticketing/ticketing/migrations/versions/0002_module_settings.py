"""The module settings row.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

from ticketing.tables.settings import module_settings

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    module_settings.create(op.get_bind())
    op.execute("INSERT INTO module_settings (id) VALUES (1)")


def downgrade() -> None:
    module_settings.drop(op.get_bind())
