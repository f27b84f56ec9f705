"""Templates (seed 10.13)."""

from sqlalchemy import CheckConstraint, Column, DateTime, Index, Table, Text, func
from sqlalchemy.dialects.postgresql import UUID

from ticketing.tables.metadata import metadata

templates = Table(
    "templates",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("name", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("subject", Text, nullable=False, server_default=""),
    Column("body_html", Text, nullable=False, server_default=""),
    Column("body_text", Text, nullable=False, server_default=""),
    # The editor mode the body was written in, so editing reopens it there (migration 0012).
    Column("body_format", Text, nullable=False, server_default="html"),
    Column("author_id", UUID(as_uuid=True)),
    Column("author_name", Text, nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("kind IN ('email', 'ticket')", name="templates_kind"),
    CheckConstraint("body_format IN ('html', 'rich_text', 'plain_text')", name="templates_body_format"),
)
Index("templates_name", func.lower(templates.c.name))


# Tickets.
