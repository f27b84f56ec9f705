"""Contacts and the devices linked to them (seed 10.12)."""

from sqlalchemy import Column, DateTime, ForeignKey, Index, PrimaryKeyConstraint, Table, Text, func
from sqlalchemy.dialects.postgresql import UUID

from ticketing.tables.metadata import metadata

contacts = Table(
    "contacts",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("first_name", Text, nullable=False, server_default=""),
    Column("last_name", Text, nullable=False, server_default=""),
    Column("email", Text, nullable=False),
    Column("phone", Text, nullable=False, server_default=""),
    Column("position", Text, nullable=False, server_default=""),
    Column("customer_id", UUID(as_uuid=True), ForeignKey("customers.id", ondelete="CASCADE")),
    Column("department_id", UUID(as_uuid=True), ForeignKey("departments.id", ondelete="SET NULL")),
    Column("notes", Text, nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index("contacts_email_key", func.lower(contacts.c.email), unique=True)
Index("contacts_customer", contacts.c.customer_id)

contact_devices = Table(
    "contact_devices",
    metadata,
    Column("contact_id", UUID(as_uuid=True), ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False),
    Column("device_id", UUID(as_uuid=True), nullable=False),
    PrimaryKeyConstraint("contact_id", "device_id"),
)
