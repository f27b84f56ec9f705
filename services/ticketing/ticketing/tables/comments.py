"""A ticket's conversation."""

from sqlalchemy import CheckConstraint, Column, DateTime, ForeignKey, Index, Integer, Table, Text, func
from sqlalchemy.dialects.postgresql import UUID

from ticketing.tables.metadata import metadata

comments = Table(
    "comments",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("ticket_id", UUID(as_uuid=True), ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False),
    Column("direction", Text, nullable=False),
    Column("author_id", UUID(as_uuid=True)),
    Column("author_name", Text, nullable=False, server_default=""),
    Column("body_html", Text, nullable=False),
    Column("body_text", Text, nullable=False),
    Column("message_id", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # An outbound comment's e-mail as the mail gateway last reported it (mail_delivery_changed);
    # `delivery_revision` is the highest revision applied, so a late older event changes nothing.
    Column("delivery_state", Text),
    Column("delivery_detail", Text),
    Column("delivery_updated_at", DateTime(timezone=True)),
    Column("delivery_revision", Integer),
    CheckConstraint("direction IN ('internal', 'outbound', 'inbound')", name="comments_direction"),
    CheckConstraint(
        "delivery_state IN ('queued', 'sending', 'sent', 'retrying', 'failed')",
        name="comments_delivery_state",
    ),
)
Index("comments_ticket", comments.c.ticket_id, comments.c.created_at)
# One comment per e-mail message: the same message delivered twice is recognised by its Message-ID.
Index("comments_message_id", comments.c.message_id, unique=True)
