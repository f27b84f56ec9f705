"""The gateway service: operators, password hashes, API tokens, sessions, permission flags. No
domain yet: health, readiness, migrations and the outbox relay.
"""

from pathlib import Path

from helpdesk_common.service import ServiceDefinition

service = ServiceDefinition(
    name="gateway",
    schema="identity",
    title="Gateway: the one public door",
    migrations_dir=Path(__file__).parent / "migrations",
)
