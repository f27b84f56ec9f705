"""The itsm service: incidents, problems, changes, catalog, knowledge base, on-call. No domain yet:
health, readiness, migrations and the outbox relay.
"""

from pathlib import Path

from helpdesk_common.service import ServiceDefinition

service = ServiceDefinition(
    name="itsm",
    schema="itsm",
    title="ITSM",
    migrations_dir=Path(__file__).parent / "migrations",
)
