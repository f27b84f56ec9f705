"""Business calendars: their weekly working hours and their holidays (issue 18).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendars",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("time_zone", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("calendars_name_key", "calendars", [sa.literal_column("lower(name)")], unique=True)
    op.create_table(
        "calendar_periods",
        sa.Column("calendar_id", sa.UUID(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("start_minute", sa.Integer(), nullable=False),
        sa.Column("end_minute", sa.Integer(), nullable=False),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="calendar_periods_weekday"),
        sa.CheckConstraint(
            "start_minute >= 0 AND end_minute > start_minute AND end_minute <= 1440",
            name="calendar_periods_minutes",
        ),
        sa.ForeignKeyConstraint(["calendar_id"], ["calendars.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("calendar_id", "weekday", "start_minute", name="calendar_periods_pkey"),
    )
    op.create_table(
        "calendar_holidays",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("calendar_id", sa.UUID(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("recurring", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["calendar_id"], ["calendars.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("calendar_id", "day", name="calendar_holidays_day_key"),
    )
    op.create_index(
        "calendar_holidays_recurring_key",
        "calendar_holidays",
        [
            "calendar_id",
            sa.literal_column("EXTRACT(month FROM day)"),
            sa.literal_column("EXTRACT(day FROM day)"),
        ],
        unique=True,
        postgresql_where=sa.text("recurring"),
    )


def downgrade() -> None:
    op.drop_table("calendar_holidays")
    op.drop_table("calendar_periods")
    op.drop_table("calendars")
