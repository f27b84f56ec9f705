"""Templates keep the editor mode their body was written in (rich text, HTML or plain text), so that
editing one reopens it in that mode; templates written before are HTML.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("templates", sa.Column("body_format", sa.Text(), server_default="html", nullable=False))
    op.create_check_constraint(
        "templates_body_format", "templates", "body_format IN ('html', 'rich_text', 'plain_text')"
    )


def downgrade() -> None:
    op.drop_constraint("templates_body_format", "templates")
    op.drop_column("templates", "body_format")
