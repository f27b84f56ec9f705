from alembic import context
from helpdesk_common.migrations import run_env
from sqlalchemy import MetaData

run_env(context, MetaData())
