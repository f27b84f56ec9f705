"""Alembic's environment for every service's schema (see `helpdesk_common.migrations`)."""

from alembic import context

from helpdesk_common.migrations import run_env

run_env(context)
