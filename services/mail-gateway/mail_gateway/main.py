"""The mail-gateway service: department mailboxes, UID cursors, the message-id map, auto-reply and
follow-up settings. No domain yet: health, readiness, migrations and the outbox relay.
"""

from pathlib import Path

from helpdesk_common.service import ServiceDefinition

service = ServiceDefinition(
    name="mail-gateway",
    schema="mail",
    title="Mail gateway",
    migrations_dir=Path(__file__).parent / "migrations",
)
