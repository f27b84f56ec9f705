"""Labels and ticket types."""

from sqlalchemy import Column, DateTime, Index, Table, Text, func
from sqlalchemy.dialects.postgresql import UUID

from ticketing.tables.metadata import metadata

labels = Table(
    "labels",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("name", Text, nullable=False),
    Column("color", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index("labels_name_key", func.lower(labels.c.name), unique=True)

ticket_types = Table(
    "ticket_types",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index("ticket_types_name_key", func.lower(ticket_types.c.name), unique=True)


# Projections of other services' records, kept from their events (event-carried state transfer).
