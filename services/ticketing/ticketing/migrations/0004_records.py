"""Departments, customers, contacts, templates, and the projections of operators, SLAs, tenants, devices,
as tables.py declared them when this revision was written (d5104f6).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "operators",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("username", sa.Text(), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("default_department_id", sa.UUID()),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "sla_definitions",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("response_hours", sa.Integer()),
        sa.Column("resolution_hours", sa.Integer()),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "tenants",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "devices",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("attributes", postgresql.JSONB(), server_default="{}", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("devices_tenant", "devices", ["tenant_id"])
    op.create_table(
        "customers",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("company_name", sa.Text(), nullable=False),
        sa.Column("address", sa.Text(), server_default="", nullable=False),
        sa.Column("tenant_id", sa.UUID()),
        sa.Column("sla_id", sa.UUID()),
        sa.Column("ticket_number_prefix", sa.Text()),
        sa.Column("notes", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "customers_company_name_key", "customers", [sa.literal_column("lower(company_name)")], unique=True
    )
    op.create_table(
        "departments",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("auto_assign_on_open", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("customer_id", sa.UUID()),
        sa.Column("cleanup_close_inactive_days", sa.Integer()),
        sa.Column("cleanup_close_statuses", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("cleanup_close_note", sa.Text(), server_default="", nullable=False),
        sa.Column("cleanup_delete_closed_after_days", sa.Integer()),
        sa.Column(
            "cleanup_delete_attachment_files", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("departments_customer", "departments", ["customer_id"])
    op.create_index("departments_name_key", "departments", [sa.literal_column("lower(name)")], unique=True)
    op.create_table(
        "department_members",
        sa.Column("department_id", sa.UUID(), nullable=False),
        sa.Column("operator_id", sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["operator_id"], ["operators.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("department_id", "operator_id"),
    )
    op.create_index("department_members_operator", "department_members", ["operator_id"])
    op.create_table(
        "contacts",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("first_name", sa.Text(), server_default="", nullable=False),
        sa.Column("last_name", sa.Text(), server_default="", nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("phone", sa.Text(), server_default="", nullable=False),
        sa.Column("position", sa.Text(), server_default="", nullable=False),
        sa.Column("customer_id", sa.UUID()),
        sa.Column("department_id", sa.UUID()),
        sa.Column("notes", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("contacts_customer", "contacts", ["customer_id"])
    op.create_index("contacts_email_key", "contacts", [sa.literal_column("lower(email)")], unique=True)
    op.create_table(
        "contact_devices",
        sa.Column("contact_id", sa.UUID(), nullable=False),
        sa.Column("device_id", sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("contact_id", "device_id"),
    )
    op.create_table(
        "templates",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), server_default="", nullable=False),
        sa.Column("body_html", sa.Text(), server_default="", nullable=False),
        sa.Column("body_text", sa.Text(), server_default="", nullable=False),
        sa.Column("author_id", sa.UUID()),
        sa.Column("author_name", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("kind IN ('email', 'ticket')", name="templates_kind"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("templates_name", "templates", [sa.literal_column("lower(name)")])


def downgrade() -> None:
    op.drop_table("templates")
    op.drop_table("contact_devices")
    op.drop_table("contacts")
    op.drop_table("department_members")
    op.drop_table("departments")
    op.drop_table("customers")
    op.drop_table("devices")
    op.drop_table("tenants")
    op.drop_table("sla_definitions")
    op.drop_table("operators")
