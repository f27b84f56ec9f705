"""Webhooks per department (seed 10.16) and the account-wide ITSM ones (incident events: an incident
belongs to no department), one delivery per webhook and event (also the workers' work list, claimed
with FOR UPDATE SKIP LOCKED), and every attempt of a delivery as sent."""

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

from notifier.tables.metadata import metadata

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    # `department`: a department's, for its tickets' events; `itsm`: the account's, for incident events.
    Column("scope", Text, nullable=False, server_default="department"),
    Column("department_id", UUID(as_uuid=True)),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("url", Text, nullable=False),
    Column("method", Text, nullable=False, server_default="POST"),
    # The template as saved: JSON once its placeholders are filled in.
    Column("body", Text, nullable=False),
    Column("headers", JSONB, nullable=False),
    # Empty: every event of its scope.
    Column("events", ARRAY(Text), nullable=False, server_default="{}"),
    Column("enabled", Boolean, nullable=False, server_default=text("true")),
    # helpdesk_common.secrets ciphertext of the whsec_ signing secret, never plain text.
    Column("secret_sealed", LargeBinary, nullable=False),
    # The first failed attempt since the last success: a webhook failing for long is flagged.
    Column("failing_since", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("method IN ('GET', 'POST', 'PUT', 'DELETE', 'PATCH')", name="webhooks_method"),
    CheckConstraint(
        "(scope = 'department' AND department_id IS NOT NULL) OR (scope = 'itsm' AND department_id IS NULL)",
        name="webhooks_scope",
    ),
)
Index("webhooks_department", webhooks.c.department_id)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    # Sent as `webhook-id`: the same on every attempt, so receivers deduplicate.
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("webhook_id", UUID(as_uuid=True), ForeignKey("webhooks.id", ondelete="CASCADE"), nullable=False),
    Column("event_id", UUID(as_uuid=True), nullable=False),
    Column("event_type", Text, nullable=False),
    Column("ticket_id", UUID(as_uuid=True)),
    Column("incident_id", UUID(as_uuid=True)),
    # The placeholders' values as of the event, so every attempt sends the same content.
    Column("values", JSONB, nullable=False),
    Column("state", Text, nullable=False, server_default="queued"),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("next_attempt_at", DateTime(timezone=True)),
    # The worker holding the delivery while it is `sending`, and until when.
    Column("claimed_by", Text),
    Column("claimed_until", DateTime(timezone=True)),
    Column("last_status", Integer),
    Column("last_error", Text, nullable=False, server_default=""),
    # Since when it is being tried: the give-up window counts from here (a redelivery restarts it).
    Column("queued_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("delivered_at", DateTime(timezone=True)),
    UniqueConstraint("webhook_id", "event_id", name="webhook_deliveries_once_per_event"),
    CheckConstraint(
        "state IN ('queued', 'sending', 'delivered', 'retrying', 'failed')", name="webhook_deliveries_state"
    ),
)
Index(
    "webhook_deliveries_due",
    webhook_deliveries.c.next_attempt_at,
    postgresql_where=webhook_deliveries.c.state.in_(["queued", "retrying"]),
)
Index(
    "webhook_deliveries_claimed",
    webhook_deliveries.c.claimed_until,
    postgresql_where=webhook_deliveries.c.state == "sending",
)
Index("webhook_deliveries_log", webhook_deliveries.c.webhook_id, webhook_deliveries.c.created_at)

webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column(
        "delivery_id",
        UUID(as_uuid=True),
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("attempt", Integer, nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("status", Integer),
    Column("milliseconds", Float, nullable=False),
    Column("error", Text),
    # The request as sent: method, URL, headers (signature included), body.
    Column("request", JSONB, nullable=False),
    Column("answer", Text, nullable=False, server_default=""),
)
Index("webhook_attempts_delivery", webhook_attempts.c.delivery_id, webhook_attempts.c.attempt)
