"""Executables and scripts blocked by default; a deployment whose administrator never chose a list gets it.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

from helpdesk_common.files import DEFAULT_BLOCKED_EXTENSIONS

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    default = "{" + ",".join(DEFAULT_BLOCKED_EXTENSIONS) + "}"
    op.alter_column("module_settings", "blocked_extensions", server_default=default)
    op.get_bind().execute(
        sa.text(
            "UPDATE module_settings SET blocked_extensions = :default "
            "WHERE updated_by IS NULL AND blocked_extensions = '{}'"
        ),
        {"default": list(DEFAULT_BLOCKED_EXTENSIONS)},
    )


def downgrade() -> None:
    op.alter_column("module_settings", "blocked_extensions", server_default="{}")
