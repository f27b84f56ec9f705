"""Customers (seed 10.11)."""

from sqlalchemy import Column, DateTime, Index, Table, Text, func
from sqlalchemy.dialects.postgresql import UUID

from ticketing.tables.metadata import metadata

customers = Table(
    "customers",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("company_name", Text, nullable=False),
    Column("address", Text, nullable=False, server_default=""),
    Column("tenant_id", UUID(as_uuid=True)),
    Column("sla_id", UUID(as_uuid=True)),
    Column("ticket_number_prefix", Text),
    Column("notes", Text, nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index("customers_company_name_key", func.lower(customers.c.company_name), unique=True)
