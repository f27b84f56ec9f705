"""Sign-in throttles per username and address, per device and per account, and the devices and
addresses operators signed in from, in place of the per-key lockouts of login_throttles.

Revision ID: 0004
Revises: 0003
"""

from alembic import op
from sqlalchemy import Column, DateTime, Integer, MetaData, Table, Text

from gateway.tables import sign_in_addresses, sign_in_devices, sign_in_throttles

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# As 0002 made it; 0002 creates the tables of today's metadata, so a new database already has the
# new ones and never had this (hence the checks below).
login_throttles = Table(
    "login_throttles",
    MetaData(),
    Column("key", Text, primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("window_started_at", DateTime(timezone=True), nullable=False),
    Column("locked_until", DateTime(timezone=True)),
)


def upgrade() -> None:
    bind = op.get_bind()
    # Its counts are minutes old at most and mean something else now: nothing to carry over.
    login_throttles.drop(bind, checkfirst=True)
    for table in (sign_in_throttles, sign_in_devices, sign_in_addresses):
        table.create(bind, checkfirst=True)


def downgrade() -> None:
    bind = op.get_bind()
    for table in (sign_in_addresses, sign_in_devices, sign_in_throttles):
        table.drop(bind)
    login_throttles.create(bind)
