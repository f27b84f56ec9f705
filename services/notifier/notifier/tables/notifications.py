"""E-mail notification settings: each department's (seed 10.10, Notifications: who is written to, and
for which of the eight ticket events; a department without a row notifies nobody), and the one row of
the ITSM account's for incident events (whom each event writes to, and the department whose mailbox
sends them; without the row nobody is written to)."""

from sqlalchemy import ARRAY, CheckConstraint, Column, DateTime, Integer, Table, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB, UUID

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

incident_notification_settings = Table(
    "incident_notification_settings",
    metadata,
    Column("id", Integer, primary_key=True),
    # Incidents have no department, and the mail gateway sends only through a department's mailbox:
    # this one's. Null (never chosen, or the department was removed): nothing is sent.
    Column("sender_department_id", UUID(as_uuid=True)),
    # Per incident event name: {"recipients": [normalised addresses], "assignee": bool,
    # "priorities": ["P1", ...] (empty: every priority)}; an event left out writes to nobody.
    Column("rules", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("id = 1", name="incident_notification_settings_one_row"),
)
