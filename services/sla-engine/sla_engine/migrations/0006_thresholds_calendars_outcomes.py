"""SLA definitions gain their thresholds, their clock (a calendar, pausing while waiting) and their
reopen rule; timers keep where those fall and what became of each target.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TIMER_INSTANTS = (
    "response_warning_due_at",
    "response_critical_at",
    "resolution_warning_due_at",
    "resolution_critical_at",
    "paused_since",
)


def upgrade() -> None:
    op.add_column(
        "sla_definitions", sa.Column("warning_share", sa.Float, nullable=False, server_default=sa.text("0.5"))
    )
    op.add_column(
        "sla_definitions",
        sa.Column("critical_share", sa.Float, nullable=False, server_default=sa.text("0.2")),
    )
    op.add_column(
        "sla_definitions",
        sa.Column("calendar_id", UUID(as_uuid=True), sa.ForeignKey("calendars.id", ondelete="RESTRICT")),
    )
    op.add_column(
        "sla_definitions",
        sa.Column("pause_while_waiting", sa.Boolean, nullable=False, server_default=sa.text("false")),
    )
    op.add_column(
        "sla_definitions", sa.Column("on_reopen", sa.Text, nullable=False, server_default="keep_deadlines")
    )
    op.create_check_constraint(
        "sla_definitions_shares",
        "sla_definitions",
        "0 < critical_share AND critical_share < warning_share AND warning_share < 1",
    )
    op.create_check_constraint(
        "sla_definitions_on_reopen",
        "sla_definitions",
        "on_reopen IN ('keep_deadlines', 'restart_from_reopen')",
    )
    for column in TIMER_INSTANTS:
        op.add_column("ticket_timers", sa.Column(column, sa.DateTime(timezone=True)))
    op.add_column(
        "ticket_timers", sa.Column("paused_seconds", sa.Float, nullable=False, server_default=sa.text("0"))
    )
    op.add_column("ticket_timers", sa.Column("response_outcome", sa.Text))
    op.add_column("ticket_timers", sa.Column("resolution_outcome", sa.Text))
    op.add_column(
        "ticket_timers", sa.Column("revision", sa.Integer, nullable=False, server_default=sa.text("0"))
    )
    # Timers running before thresholds existed warn where the fixed share put them.
    op.execute(
        "UPDATE ticket_timers SET"
        " response_warning_due_at = response_due_at - (response_due_at - started_at) * 0.5,"
        " response_critical_at = response_due_at - (response_due_at - started_at) * 0.2,"
        " resolution_warning_due_at = resolution_due_at - (resolution_due_at - started_at) * 0.5,"
        " resolution_critical_at = resolution_due_at - (resolution_due_at - started_at) * 0.2"
    )


def downgrade() -> None:
    for column in (*TIMER_INSTANTS, "paused_seconds", "response_outcome", "resolution_outcome", "revision"):
        op.drop_column("ticket_timers", column)
    for column in ("on_reopen", "pause_while_waiting", "calendar_id", "critical_share", "warning_share"):
        op.drop_column("sla_definitions", column)
