"""The timetracking service: time entries, running timers, per-department time settings. No domain
yet: health, readiness, migrations and the outbox relay.
"""

from pathlib import Path

from helpdesk_common.service import ServiceDefinition

service = ServiceDefinition(
    name="timetracking",
    schema="timetracking",
    title="Time tracking",
    migrations_dir=Path(__file__).parent / "migrations",
)
