"""Alembic environment of the `ticketing` schema."""

from alembic import context

from helpdesk_common.migrations import run_env
from ticketing.tables import metadata

run_env(context, metadata)
