"""The notifier service: notification settings, webhooks, the delivery log, live updates. No domain
yet: health, readiness, migrations and the outbox relay.
"""

from pathlib import Path

from helpdesk_common.service import ServiceDefinition

service = ServiceDefinition(
    name="notifier",
    schema="notifier",
    title="Notifier",
    migrations_dir=Path(__file__).parent / "migrations",
)
