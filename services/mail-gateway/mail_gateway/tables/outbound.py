"""Outbound messages and their delivery state: one row per message ticketing asked us to send, which
is also the sender's work list (claimed with FOR UPDATE SKIP LOCKED, retried on its own schedule)."""

from sqlalchemy import CheckConstraint, Column, DateTime, Index, Integer, Table, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB, UUID

from mail_gateway.tables.metadata import metadata

outbound_messages = Table(
    "outbound_messages",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    # Ours, sent as the Message-ID header: replies thread back through it.
    Column("message_id", Text, nullable=False, unique=True),
    Column("department_id", UUID(as_uuid=True), nullable=False),
    Column("ticket_id", UUID(as_uuid=True), nullable=False),
    Column("comment_id", UUID(as_uuid=True)),
    # The OutboundMail as requested (addresses, subject, bodies, attachments' objects).
    Column("request", JSONB, nullable=False),
    Column("state", Text, nullable=False, server_default="queued"),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("next_attempt_at", DateTime(timezone=True)),
    # The sender holding the message while it is `sending`, and until when.
    Column("claimed_by", Text),
    Column("claimed_until", DateTime(timezone=True)),
    # Set just before DATA of an attempt: from then on an interrupted attempt may have delivered the
    # message, so it is never sent again on its own.
    Column("handed_over_at", DateTime(timezone=True)),
    Column("last_words", Text, nullable=False, server_default=""),
    Column("revision", Integer, nullable=False, server_default=text("0")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("sent_at", DateTime(timezone=True)),
    CheckConstraint(
        "state IN ('queued', 'sending', 'sent', 'retrying', 'failed')", name="outbound_messages_state"
    ),
)
Index(
    "outbound_messages_due",
    outbound_messages.c.next_attempt_at,
    postgresql_where=outbound_messages.c.state.in_(["queued", "retrying"]),
)
Index(
    "outbound_messages_claimed",
    outbound_messages.c.claimed_until,
    postgresql_where=outbound_messages.c.state == "sending",
)
Index("outbound_messages_comment", outbound_messages.c.comment_id)
