"""Projections of other services' records, kept from their events (event-carried state transfer)."""

from sqlalchemy import Boolean, Column, DateTime, Index, Integer, Table, Text, func
from sqlalchemy.dialects.postgresql import JSONB, UUID

from ticketing.tables.metadata import metadata

operators = Table(
    "operators",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("username", Text, nullable=False),
    Column("email", Text, nullable=False),
    Column("display_name", Text, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("default_department_id", UUID(as_uuid=True)),
)

sla_definitions = Table(
    "sla_definitions",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("name", Text, nullable=False),
    Column("response_hours", Integer),
    Column("resolution_hours", Integer),
    # Seed 10.15: the minimum priority of tickets under this SLA (low, medium, high, critical).
    Column("priority_override", Text),
)

tenants = Table(
    "tenants",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("name", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

devices = Table(
    "devices",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    # No foreign key: a device may arrive before its tenant; links check the tenant when made.
    Column("tenant_id", UUID(as_uuid=True), nullable=False),
    Column("name", Text, nullable=False),
    Column("attributes", JSONB, nullable=False, server_default="{}"),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index("devices_tenant", devices.c.tenant_id)

# Ticketing's own records.
