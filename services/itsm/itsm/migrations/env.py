"""Alembic environment of the `itsm` schema."""

from alembic import context

from helpdesk_common.migrations import run_env
from itsm.tables import metadata

run_env(context, metadata)
