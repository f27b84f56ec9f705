"""Tickets keep the display name their e-mail arrived with, for a contact that has no name.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable and without a default: PostgreSQL adds it without rewriting the tickets.
    op.add_column("tickets", sa.Column("contact_name", sa.Text()))


def downgrade() -> None:
    op.drop_column("tickets", "contact_name")
