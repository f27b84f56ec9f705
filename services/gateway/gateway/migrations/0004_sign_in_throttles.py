"""Sign-in throttles per username and address, per device and per account, and the devices and
addresses operators signed in from, in place of the per-key lockouts of login_throttles; as tables.py
declared them when this revision was written (1496596).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Its counts are minutes old at most and mean something else now: nothing to carry over.
    op.drop_table("login_throttles")
    op.create_table(
        "sign_in_throttles",
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("username", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("scope", "username", "source"),
    )
    op.create_index("sign_in_throttles_last_failure", "sign_in_throttles", ["last_failure_at"])
    op.create_table(
        "sign_in_devices",
        sa.Column("token_hash", sa.Text(), nullable=False),
        sa.Column("operator_id", sa.UUID(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["operator_id"], ["operators.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_hash", "operator_id"),
    )
    op.create_index("sign_in_devices_operator", "sign_in_devices", ["operator_id"])
    op.create_table(
        "sign_in_addresses",
        sa.Column("operator_id", sa.UUID(), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("last_signed_in_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["operator_id"], ["operators.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("operator_id", "address"),
    )


def downgrade() -> None:
    op.drop_table("sign_in_addresses")
    op.drop_table("sign_in_devices")
    op.drop_table("sign_in_throttles")
    op.create_table(
        "login_throttles",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("key"),
    )
