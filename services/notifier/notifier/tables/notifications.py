"""Each department's e-mail notification settings (seed 10.10, Notifications): who is written to, and
for which of the eight ticket events. A department without a row notifies nobody."""

from sqlalchemy import ARRAY, Column, DateTime, Table, Text, func
from sqlalchemy.dialects.postgresql import UUID

from notifier.tables.metadata import metadata

notification_settings = Table(
    "notification_settings",
    metadata,
    Column("department_id", UUID(as_uuid=True), primary_key=True),
    # Normalised addresses (email-validator), in the order given, without repeats.
    Column("recipients", ARRAY(Text), nullable=False, server_default="{}"),
    # The selected events by the seed's names (ticket_created ... auto_closed).
    Column("events", ARRAY(Text), nullable=False, server_default="{}"),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
