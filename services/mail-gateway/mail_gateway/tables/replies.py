"""What the mail gateway sends on its own: one auto-reply decision per ticket created from e-mail
(sent, or skipped and why), which also counts a sender's auto-replies for the rate limit; and the
tickets' conversations as far as the follow-up reminder needs them."""

from sqlalchemy import Column, DateTime, Index, Table, Text, func, text
from sqlalchemy.dialects.postgresql import UUID

from mail_gateway.tables.metadata import metadata

auto_replies = Table(
    "auto_replies",
    metadata,
    # One row per ticket: a redelivered or replayed ticket_created finds it and sends nothing more.
    Column("ticket_id", UUID(as_uuid=True), primary_key=True),
    Column("department_id", UUID(as_uuid=True), nullable=False),
    Column("recipient", Text, nullable=False),
    # Our Message-ID of the reply sent; null when skipped.
    Column("message_id", Text),
    # Why none was sent (automatic mail, our own address, the rate limit, switched off); null if sent.
    Column("skipped", Text),
    Column("decided_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
# The rate limit counts a sender's recent replies.
Index("auto_replies_recipient", func.lower(auto_replies.c.recipient), auto_replies.c.decided_at)

# Each ticket's conversation as the follow-up reminder sees it (from ticketing's ticket events): who
# spoke last and when, and whether the one reminder went.
follow_ups = Table(
    "follow_ups",
    metadata,
    Column("ticket_id", UUID(as_uuid=True), primary_key=True),
    Column("department_id", UUID(as_uuid=True)),
    Column("number", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("contact_email", Text),
    Column("last_outbound_at", DateTime(timezone=True)),
    Column("last_inbound_at", DateTime(timezone=True)),
    # The snapshot the row was last written from: an older event changes nothing.
    Column("ticket_updated_at", DateTime(timezone=True), nullable=False),
    Column("reminded_at", DateTime(timezone=True)),
)
# The sweep reads the tickets waiting for a customer that have not been reminded.
Index(
    "follow_ups_due",
    follow_ups.c.last_outbound_at,
    postgresql_where=text("reminded_at IS NULL AND last_outbound_at IS NOT NULL"),
)
