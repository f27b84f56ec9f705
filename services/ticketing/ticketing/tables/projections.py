"""Projections of other services' records, kept from their events (event-carried state transfer)."""

from sqlalchemy import Column, DateTime, Index, Integer, Table, Text, func
from sqlalchemy.dialects.postgresql import JSONB, UUID

from helpdesk_common.projections.operators import operators_table
from ticketing.tables.metadata import metadata

# Assignees and department members; the shared projection keeps it (projections/consumers.py).
operators = operators_table(metadata)

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
