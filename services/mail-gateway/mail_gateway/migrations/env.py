"""Alembic environment of the `mail_gateway` schema."""

from alembic import context

from helpdesk_common.migrations import run_env
from mail_gateway.tables import metadata

run_env(context, metadata)
