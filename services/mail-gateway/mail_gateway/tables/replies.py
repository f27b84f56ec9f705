"""What the mail gateway answered on its own: one auto-reply decision per ticket created from e-mail
(sent, or skipped and why), which also counts a sender's auto-replies for the rate limit."""

from sqlalchemy import Column, DateTime, Index, Table, Text, func
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
