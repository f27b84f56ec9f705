"""The timetracking service: time entries, running timers, per-department time settings. Its tables
live in the `timetracking` schema, reached with the role `helpdesk_timetracking` only. No domain
yet: health, readiness, migrations, the outbox relay and the inbox's pruning.
"""

from __future__ import annotations

from pathlib import Path

from helpdesk_common.service import ServiceDefinition
from timetracking.config import TimetrackingSettings
from timetracking.consumers import consumers
from timetracking.jobs import jobs
from timetracking.tables import metadata

service = ServiceDefinition(
    name="timetracking",
    schema="timetracking",
    title="Time tracking",
    migrations_dir=Path(__file__).parent / "migrations",
    tables=metadata,
    consumers=consumers,
    jobs=jobs,
    settings_class=TimetrackingSettings,
    # The entries' exclusion constraint compares operators' uuids in a GiST index.
    extensions=("btree_gist",),
)
