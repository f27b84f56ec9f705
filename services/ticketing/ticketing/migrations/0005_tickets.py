"""Tickets, their labels, comments, history, read markers and attachments, as tables.py declared them
when the next revision was written (3325a95). Until then this revision was edited in place (15f922b,
9e44172) and took later columns and indexes from the live tables (bb05b4a, 1f54f32, 3325a95): this is
what every database migrated since holds at this revision.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tickets",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("number", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), server_default="open", nullable=False),
        sa.Column("priority", sa.Text(), server_default="medium", nullable=False),
        sa.Column("source", sa.Text(), server_default="manual", nullable=False),
        sa.Column("department_id", sa.UUID()),
        sa.Column("assignee_id", sa.UUID()),
        sa.Column("contact_id", sa.UUID()),
        sa.Column("contact_email", sa.Text()),
        sa.Column("customer_id", sa.UUID()),
        sa.Column("sla_id", sa.UUID()),
        sa.Column("response_due_at", sa.DateTime(timezone=True)),
        sa.Column("resolution_due_at", sa.DateTime(timezone=True)),
        sa.Column("type_id", sa.UUID()),
        sa.Column("created_by_id", sa.UUID()),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column(
            "last_activity_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.Column("first_response_at", sa.DateTime(timezone=True)),
        sa.Column("last_message_direction", sa.Text()),
        sa.Column("last_message_at", sa.DateTime(timezone=True)),
        sa.Column("search_text", sa.Text(), server_default="", nullable=False),
        sa.CheckConstraint("priority IN ('low', 'medium', 'high', 'critical')", name="tickets_priority"),
        sa.CheckConstraint("source IN ('manual', 'email')", name="tickets_source"),
        sa.CheckConstraint(
            "status IN ('open', 'in_progress', 'waiting', 'resolved', 'closed')", name="tickets_status"
        ),
        sa.ForeignKeyConstraint(["assignee_id"], ["operators.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["type_id"], ["ticket_types.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    op.create_index("tickets_activity", "tickets", ["status", "last_activity_at"])
    op.create_index("tickets_assignee", "tickets", ["assignee_id", "status"])
    op.create_index("tickets_customer", "tickets", ["customer_id", "status"])
    op.create_index("tickets_department_priority_status", "tickets", ["department_id", "priority", "status"])
    op.create_index("tickets_department_status", "tickets", ["department_id", "status"])
    op.create_index("tickets_priority_status", "tickets", ["priority", "status"])
    op.create_index(
        "tickets_search",
        "tickets",
        ["search_text"],
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
    )
    op.create_index(
        "tickets_status_updated", "tickets", ["status", sa.literal_column("updated_at DESC"), "id"]
    )
    op.create_index(
        "tickets_updated", "tickets", [sa.literal_column("updated_at DESC"), sa.literal_column("id DESC")]
    )
    op.create_table(
        "ticket_labels",
        sa.Column("ticket_id", sa.UUID(), nullable=False),
        sa.Column("label_id", sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(["label_id"], ["labels.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("ticket_id", "label_id"),
    )
    op.create_index("ticket_labels_label", "ticket_labels", ["label_id"])
    op.create_table(
        "comments",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("ticket_id", sa.UUID(), nullable=False),
        sa.Column("direction", sa.Text(), nullable=False),
        sa.Column("author_id", sa.UUID()),
        sa.Column("author_name", sa.Text(), server_default="", nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("message_id", sa.Text()),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("direction IN ('internal', 'outbound', 'inbound')", name="comments_direction"),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("comments_message_id", "comments", ["message_id"], unique=True)
    op.create_index("comments_ticket", "comments", ["ticket_id", "created_at"])
    op.create_table(
        "ticket_history",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("ticket_id", sa.UUID(), nullable=False),
        sa.Column("actor_id", sa.UUID()),
        sa.Column("actor_name", sa.Text(), server_default="", nullable=False),
        sa.Column("field", sa.Text(), nullable=False),
        sa.Column("old_value", sa.Text()),
        sa.Column("new_value", sa.Text()),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ticket_history_ticket", "ticket_history", ["ticket_id", "id"])
    op.create_table(
        "read_markers",
        sa.Column("operator_id", sa.UUID(), nullable=False),
        sa.Column("ticket_id", sa.UUID(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("operator_id", "ticket_id"),
    )
    op.create_table(
        "attachments",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("ticket_id", sa.UUID(), nullable=False),
        sa.Column("comment_id", sa.UUID()),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.Text(), nullable=False),
        sa.Column("object_name", sa.Text(), nullable=False),
        sa.Column("origin", sa.Text(), nullable=False),
        sa.Column("uploaded_by_id", sa.UUID()),
        sa.Column("uploaded_by_name", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("origin IN ('upload', 'email', 'comment')", name="attachments_origin"),
        sa.ForeignKeyConstraint(["comment_id"], ["comments.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("attachments_ticket", "attachments", ["ticket_id", "created_at"])


def downgrade() -> None:
    op.drop_table("attachments")
    op.drop_table("read_markers")
    op.drop_table("ticket_history")
    op.drop_table("comments")
    op.drop_table("ticket_labels")
    op.drop_table("tickets")
