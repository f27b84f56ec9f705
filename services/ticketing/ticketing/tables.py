"""Tables of the `ticketing` schema; the outbox, inbox and dead letters come from helpdesk_common."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from helpdesk_common.files import DEFAULT_BLOCKED_EXTENSIONS

metadata = MetaData()

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

templates = Table(
    "templates",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("name", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("subject", Text, nullable=False, server_default=""),
    Column("body_html", Text, nullable=False, server_default=""),
    Column("body_text", Text, nullable=False, server_default=""),
    Column("author_id", UUID(as_uuid=True)),
    Column("author_name", Text, nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("kind IN ('email', 'ticket')", name="templates_kind"),
)
Index("templates_name", func.lower(templates.c.name))


# Tickets.

tickets = Table(
    "tickets",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("number", Text, nullable=False, unique=True),
    Column("title", Text, nullable=False),
    Column("status", Text, nullable=False, server_default="open"),
    Column("priority", Text, nullable=False, server_default="medium"),
    Column("source", Text, nullable=False, server_default="manual"),
    Column("department_id", UUID(as_uuid=True), ForeignKey("departments.id", ondelete="SET NULL")),
    Column("assignee_id", UUID(as_uuid=True), ForeignKey("operators.id", ondelete="SET NULL")),
    Column("contact_id", UUID(as_uuid=True), ForeignKey("contacts.id", ondelete="SET NULL")),
    Column("contact_email", Text),
    Column("customer_id", UUID(as_uuid=True), ForeignKey("customers.id", ondelete="SET NULL")),
    Column("sla_id", UUID(as_uuid=True)),
    Column("response_due_at", DateTime(timezone=True)),
    Column("resolution_due_at", DateTime(timezone=True)),
    Column("type_id", UUID(as_uuid=True), ForeignKey("ticket_types.id", ondelete="SET NULL")),
    Column("created_by_id", UUID(as_uuid=True)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # Any activity (edit, comment, e-mail) moves it; the cleanup sweep reads it.
    Column("last_activity_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("closed_at", DateTime(timezone=True)),
    Column("first_response_at", DateTime(timezone=True)),
    Column("last_message_direction", Text),
    Column("last_message_at", DateTime(timezone=True)),
    # Lower-cased number, title, contact e-mail and name, assignee username: one trigram-indexed
    # text for the queue's single search field, maintained by the service on every change.
    Column("search_text", Text, nullable=False, server_default=""),
    CheckConstraint(
        "status IN ('open', 'in_progress', 'waiting', 'resolved', 'closed')", name="tickets_status"
    ),
    CheckConstraint("priority IN ('low', 'medium', 'high', 'critical')", name="tickets_priority"),
    CheckConstraint("source IN ('manual', 'email')", name="tickets_source"),
)
# The queue's pages walk these in order (Open tab; All tab); counts read the narrow ones index-only.
Index("tickets_status_updated", tickets.c.status, tickets.c.updated_at.desc(), tickets.c.id)
Index("tickets_updated", tickets.c.updated_at.desc(), tickets.c.id.desc())
Index("tickets_department_priority_status", tickets.c.department_id, tickets.c.priority, tickets.c.status)
Index("tickets_priority_status", tickets.c.priority, tickets.c.status)
Index("tickets_department_status", tickets.c.department_id, tickets.c.status)
Index("tickets_assignee", tickets.c.assignee_id, tickets.c.status)
Index("tickets_customer", tickets.c.customer_id, tickets.c.status)
Index("tickets_activity", tickets.c.status, tickets.c.last_activity_at)
Index(
    "tickets_search",
    tickets.c.search_text,
    postgresql_using="gin",
    postgresql_ops={"search_text": "gin_trgm_ops"},
)

# The queue's tab counts per key (migration 0007, tickets/counts.py): the triggers on tickets append
# changes (settled false); settle_counts folds them into one settled row per key.
ticket_counts = Table(
    "ticket_counts",
    metadata,
    Column("department_id", UUID(as_uuid=True)),
    Column("status", Text, nullable=False),
    Column("priority", Text, nullable=False),
    Column("assignee_id", UUID(as_uuid=True)),
    Column("type_id", UUID(as_uuid=True)),
    Column("customer_id", UUID(as_uuid=True)),
    Column("tickets", BigInteger, nullable=False),
    Column("settled", Boolean, nullable=False, server_default=text("false")),
)

ticket_labels = Table(
    "ticket_labels",
    metadata,
    Column("ticket_id", UUID(as_uuid=True), ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False),
    Column("label_id", UUID(as_uuid=True), ForeignKey("labels.id", ondelete="CASCADE"), nullable=False),
    PrimaryKeyConstraint("ticket_id", "label_id"),
)
Index("ticket_labels_label", ticket_labels.c.label_id)

comments = Table(
    "comments",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("ticket_id", UUID(as_uuid=True), ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False),
    Column("direction", Text, nullable=False),
    Column("author_id", UUID(as_uuid=True)),
    Column("author_name", Text, nullable=False, server_default=""),
    Column("body_html", Text, nullable=False),
    Column("body_text", Text, nullable=False),
    Column("message_id", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("direction IN ('internal', 'outbound', 'inbound')", name="comments_direction"),
)
Index("comments_ticket", comments.c.ticket_id, comments.c.created_at)
# One comment per e-mail message: the same message delivered twice is recognised by its Message-ID.
Index("comments_message_id", comments.c.message_id, unique=True)

ticket_history = Table(
    "ticket_history",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("ticket_id", UUID(as_uuid=True), ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False),
    Column("actor_id", UUID(as_uuid=True)),
    Column("actor_name", Text, nullable=False, server_default=""),
    Column("field", Text, nullable=False),
    Column("old_value", Text),
    Column("new_value", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index("ticket_history_ticket", ticket_history.c.ticket_id, ticket_history.c.id)

read_markers = Table(
    "read_markers",
    metadata,
    Column("operator_id", UUID(as_uuid=True), nullable=False),
    Column("ticket_id", UUID(as_uuid=True), ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False),
    Column("read_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("operator_id", "ticket_id"),
)

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
