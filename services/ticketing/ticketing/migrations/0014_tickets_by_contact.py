"""Tickets found by their contact: the flood limit on inbound e-mail asks for a sender's newest
tickets on every message, which without this index read every ticket of the department
(`make bench-mail`).

Revision ID: 0014
Revises: 0013
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX tickets_contact_created ON tickets (contact_id, created_at DESC)")


def downgrade() -> None:
    op.drop_index("tickets_contact_created", "tickets")
