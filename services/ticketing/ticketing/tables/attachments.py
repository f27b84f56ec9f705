"""Attachments' descriptions (their bytes are in the object store)."""

from sqlalchemy import BigInteger, CheckConstraint, Column, DateTime, ForeignKey, Index, Table, Text, func
from sqlalchemy.dialects.postgresql import UUID

from ticketing.tables.metadata import metadata

attachments = Table(
    "attachments",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("ticket_id", UUID(as_uuid=True), ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False),
    Column("comment_id", UUID(as_uuid=True), ForeignKey("comments.id", ondelete="SET NULL")),
    Column("name", Text, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("content_type", Text, nullable=False),
    # The object's name in the JetStream object store bucket that holds the bytes.
    Column("object_name", Text, nullable=False),
    Column("origin", Text, nullable=False),
    Column("uploaded_by_id", UUID(as_uuid=True)),
    Column("uploaded_by_name", Text, nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("origin IN ('upload', 'email', 'comment')", name="attachments_origin"),
)
Index("attachments_ticket", attachments.c.ticket_id, attachments.c.created_at)
