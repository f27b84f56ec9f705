"""Alembic environment of the `gateway` schema."""

from alembic import context

from gateway.tables import metadata
from helpdesk_common.migrations import run_env

run_env(context, metadata)
