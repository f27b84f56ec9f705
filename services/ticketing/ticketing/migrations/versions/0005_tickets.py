"""Tickets, their labels, comments, history, read markers and number sequences.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

from ticketing.tables.attachments import attachments
from ticketing.tables.comments import comments
from ticketing.tables.tickets import read_markers, ticket_history, ticket_labels, tickets

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLES = (tickets, ticket_labels, comments, ticket_history, read_markers, attachments)


def upgrade() -> None:
    for table in TABLES:
        table.create(op.get_bind())


def downgrade() -> None:
    for table in reversed(TABLES):
        table.drop(op.get_bind())
