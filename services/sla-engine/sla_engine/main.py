"""The sla-engine service: SLA definitions, business calendars, per-ticket timers, escalation
policies. No domain yet: health, readiness, migrations and the outbox relay.
"""

from pathlib import Path

from helpdesk_common.service import ServiceDefinition

service = ServiceDefinition(
    name="sla-engine",
    schema="sla",
    title="SLA engine",
    migrations_dir=Path(__file__).parent / "migrations",
)
