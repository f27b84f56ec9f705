"""Outbound comments carry the delivery state of their e-mail, as the mail gateway reports it.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable and without defaults: PostgreSQL adds them without rewriting the comments.
    op.add_column("comments", sa.Column("delivery_state", sa.Text()))
    op.add_column("comments", sa.Column("delivery_detail", sa.Text()))
    op.add_column("comments", sa.Column("delivery_updated_at", sa.DateTime(timezone=True)))
    op.add_column("comments", sa.Column("delivery_revision", sa.Integer()))
    op.create_check_constraint(
        "comments_delivery_state",
        "comments",
        "delivery_state IN ('queued', 'sending', 'sent', 'retrying', 'failed')",
    )


def downgrade() -> None:
    op.drop_constraint("comments_delivery_state", "comments")
    for column in ("delivery_revision", "delivery_updated_at", "delivery_detail", "delivery_state"):
        op.drop_column("comments", column)
