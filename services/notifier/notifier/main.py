"""The notifier service: notification settings, webhooks, the delivery log, live updates. Its tables
live in the `notifier` schema, reached with the role `helpdesk_notifier` only. No domain yet:
health, readiness, migrations, the outbox relay and the inbox's pruning.
"""

from __future__ import annotations

from pathlib import Path

from helpdesk_common.service import ServiceDefinition
from notifier.config import NotifierSettings
from notifier.consumers import consumers
from notifier.jobs import jobs
from notifier.tables import metadata

service = ServiceDefinition(
    name="notifier",
    schema="notifier",
    title="Notifier",
    migrations_dir=Path(__file__).parent / "migrations",
    tables=metadata,
    consumers=consumers,
    jobs=jobs,
    settings_class=NotifierSettings,
)
