"""Alembic environment of the `timetracking` schema."""

from alembic import context

from helpdesk_common.migrations import run_env
from timetracking.tables import metadata

run_env(context, metadata)
