"""The outbox's published rows kept until JetStream has them on disk (the relay's retention): the
shared messaging chain's revision that makes them, which this one depends on.

Revision ID: 0008
Revises: 0007
"""

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = "messaging_0002"


def upgrade() -> None:
    """Nothing of its own."""


def downgrade() -> None:
    """Nothing of its own."""
