"""Tables of the `ticketing` schema; the outbox, inbox and dead letters come from helpdesk_common."""

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID

metadata = MetaData()

module_settings = Table(
    "module_settings",
    metadata,
    # One row: the deployment-wide settings of the Tickets module (seed 10.2).
    Column("id", Integer, primary_key=True),
    Column("ticket_system_enabled", Boolean, nullable=False, server_default=text("false")),
    Column("ticket_number_prefix", Text, nullable=False, server_default="TKT"),
    Column("blocked_extensions", ARRAY(Text), nullable=False, server_default="{}"),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_by", UUID(as_uuid=True)),
    CheckConstraint("id = 1", name="module_settings_single_row"),
)

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
