"""The outbox, inbox and dead letters: the shared messaging chain's first revision, which this one
depends on (it built them itself until the chain existed).

Revision ID: 0001
Revises:
"""

revision = "0001"
down_revision = None
branch_labels = None
depends_on = "messaging_0001"


def upgrade() -> None:
    """Nothing of its own."""


def downgrade() -> None:
    """Nothing of its own."""
