"""Tickets, their labels, history and read markers, and the queue's kept counts."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
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
from sqlalchemy.dialects.postgresql import UUID

from ticketing.tables.metadata import metadata

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
    # The display name an e-mail arrived with ("Jane Doe <jane@x>"): the Contact column's name when
    # the linked contact has none (or is gone). Cleared when the ticket's contact is changed.
    Column("contact_name", Text),
    Column("customer_id", UUID(as_uuid=True), ForeignKey("customers.id", ondelete="SET NULL")),
    Column("sla_id", UUID(as_uuid=True)),
    Column("response_due_at", DateTime(timezone=True)),
    Column("resolution_due_at", DateTime(timezone=True)),
    # The rest of the SLA engine's sla_deadlines_set: where the SLA's thresholds fall, what became of
    # each target, a pause, and the revision that wrote them (the newest wins).
    Column("response_warning_at", DateTime(timezone=True)),
    Column("response_critical_at", DateTime(timezone=True)),
    Column("resolution_warning_at", DateTime(timezone=True)),
    Column("resolution_critical_at", DateTime(timezone=True)),
    Column("response_outcome", Text),
    Column("resolution_outcome", Text),
    Column("sla_paused_since", DateTime(timezone=True)),
    Column("sla_revision", Integer, nullable=False, server_default=text("0")),
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
# A sender's newest tickets, read by the flood limit on every inbound e-mail (migration 0014).
Index("tickets_contact_created", tickets.c.contact_id, tickets.c.created_at.desc())
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
# One key's settled total; the triggers' rows wait, unsettled, for tickets.counts.settle_counts
# (migration 0007 makes both, with the triggers).
Index(
    "ticket_counts_settled_key",
    ticket_counts.c.department_id,
    ticket_counts.c.status,
    ticket_counts.c.priority,
    ticket_counts.c.assignee_id,
    ticket_counts.c.type_id,
    ticket_counts.c.customer_id,
    unique=True,
    postgresql_nulls_not_distinct=True,
    postgresql_where=ticket_counts.c.settled,
)
Index("ticket_counts_unsettled", ticket_counts.c.settled, postgresql_where=~ticket_counts.c.settled)

ticket_labels = Table(
    "ticket_labels",
    metadata,
    Column("ticket_id", UUID(as_uuid=True), ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False),
    Column("label_id", UUID(as_uuid=True), ForeignKey("labels.id", ondelete="CASCADE"), nullable=False),
    PrimaryKeyConstraint("ticket_id", "label_id"),
)
Index("ticket_labels_label", ticket_labels.c.label_id)

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
