"""The ticketing service: tickets, comments, history, attachments, departments, customers,
contacts, templates, labels, types, settings. No domain yet: health, readiness, migrations and
the outbox relay.
"""

from pathlib import Path

from helpdesk_common.service import ServiceDefinition

service = ServiceDefinition(
    name="ticketing",
    schema="ticketing",
    title="Ticketing",
    migrations_dir=Path(__file__).parent / "migrations",
)
