"""The module settings row (seed 10.2)."""

from sqlalchemy import Boolean, CheckConstraint, Column, DateTime, Integer, Table, Text, func, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID

from helpdesk_common.files import DEFAULT_BLOCKED_EXTENSIONS
from ticketing.tables.metadata import metadata

module_settings = Table(
    "module_settings",
    metadata,
    # One row: the deployment-wide settings of the Tickets module (seed 10.2).
    Column("id", Integer, primary_key=True),
    Column("ticket_system_enabled", Boolean, nullable=False, server_default=text("false")),
    Column("ticket_number_prefix", Text, nullable=False, server_default="TKT"),
    Column(
        "blocked_extensions",
        ARRAY(Text),
        nullable=False,
        server_default="{" + ",".join(DEFAULT_BLOCKED_EXTENSIONS) + "}",
    ),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_by", UUID(as_uuid=True)),
    CheckConstraint("id = 1", name="module_settings_single_row"),
)
