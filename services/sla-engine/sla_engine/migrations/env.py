"""Alembic environment of the `sla` schema."""

from alembic import context

from helpdesk_common.migrations import run_env
from sla_engine.tables import metadata

run_env(context, metadata)
