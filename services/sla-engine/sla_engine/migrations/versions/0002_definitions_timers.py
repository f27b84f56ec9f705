"""SLA definitions, per-ticket timers and the Ticket System switch.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

from sla_engine.tables import module_switch, sla_definitions, ticket_timers

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLES = (sla_definitions, module_switch, ticket_timers)


def upgrade() -> None:
    for table in TABLES:
        table.create(op.get_bind())


def downgrade() -> None:
    for table in reversed(TABLES):
        table.drop(op.get_bind())
