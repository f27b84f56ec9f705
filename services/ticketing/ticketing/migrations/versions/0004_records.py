"""Departments, customers, contacts, templates, and the projections of operators, SLAs, tenants, devices.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

from ticketing.tables.contacts import contact_devices, contacts
from ticketing.tables.customers import customers
from ticketing.tables.departments import department_members, departments
from ticketing.tables.projections import devices, operators, sla_definitions, tenants
from ticketing.tables.templates import templates

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLES = (
    operators,
    sla_definitions,
    tenants,
    devices,
    customers,
    departments,
    department_members,
    contacts,
    contact_devices,
    templates,
)


def upgrade() -> None:
    for table in TABLES:
        table.create(op.get_bind())


def downgrade() -> None:
    for table in reversed(TABLES):
        table.drop(op.get_bind())
