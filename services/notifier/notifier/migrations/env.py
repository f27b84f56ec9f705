"""Alembic environment of the `notifier` schema."""

from alembic import context

from helpdesk_common.migrations import run_env
from notifier.tables import metadata

run_env(context, metadata)
