"""Departments and their members (seed 10.10)."""

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID

from ticketing.tables.metadata import metadata

departments = Table(
    "departments",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("enabled", Boolean, nullable=False, server_default=text("true")),
    Column("auto_assign_on_open", Boolean, nullable=False, server_default=text("false")),
    # Seed 10.11: deleting a customer deletes the departments tied to it.
    Column("customer_id", UUID(as_uuid=True), ForeignKey("customers.id", ondelete="CASCADE")),
    Column("cleanup_close_inactive_days", Integer),
    Column("cleanup_close_statuses", ARRAY(Text), nullable=False, server_default="{}"),
    Column("cleanup_close_note", Text, nullable=False, server_default=""),
    Column("cleanup_delete_closed_after_days", Integer),
    Column("cleanup_delete_attachment_files", Boolean, nullable=False, server_default=text("false")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index("departments_name_key", func.lower(departments.c.name), unique=True)
Index("departments_customer", departments.c.customer_id)

department_members = Table(
    "department_members",
    metadata,
    Column(
        "department_id", UUID(as_uuid=True), ForeignKey("departments.id", ondelete="CASCADE"), nullable=False
    ),
    Column("operator_id", UUID(as_uuid=True), ForeignKey("operators.id", ondelete="CASCADE"), nullable=False),
    PrimaryKeyConstraint("department_id", "operator_id"),
)
Index("department_members_operator", department_members.c.operator_id)
