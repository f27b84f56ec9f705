from alembic import context

from helpdesk_common.migrations import run_env
from tests.backbone.probe import consumer_metadata

run_env(context, consumer_metadata)
