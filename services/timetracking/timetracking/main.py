"""The timetracking service: time entries on work items (tickets, and ITSM's incidents), the auto-timer
with one running timer per operator, per-department time settings, the day calendar, the hours report
and the incident report (seed 10.4, 10.8, 10.10; issue 19; issue 20 part 7). Its tables live in the
`timetracking` schema, reached with the role `helpdesk_timetracking` only; it keeps copies of
ticketing's departments, module switch and tickets and of ITSM's incidents (the `consumers` role),
sweeps abandoned timers (the `jobs` role) and publishes `time_entry_booked` and `time_entry_deleted` on
`time.>` through its outbox. docs/timetracking.md has its rules.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from helpdesk_common.service import ServiceDefinition, ServiceRuntime
from timetracking.config import TimetrackingSettings
from timetracking.consumers import consumers
from timetracking.day.routes import router as day_router
from timetracking.entries.routes import router as entries_router
from timetracking.incidents.routes import router as incidents_router
from timetracking.jobs import jobs
from timetracking.reports.routes import router as reports_router
from timetracking.settings.routes import router as settings_router
from timetracking.tables import metadata
from timetracking.timer.routes import router as timer_router


def configure_api(app: FastAPI, runtime: ServiceRuntime) -> None:
    app.include_router(entries_router)
    app.include_router(timer_router)
    app.include_router(day_router)
    app.include_router(settings_router)
    app.include_router(reports_router)
    app.include_router(incidents_router)


service = ServiceDefinition(
    name="timetracking",
    schema="timetracking",
    title="Time tracking",
    migrations_dir=Path(__file__).parent / "migrations",
    tables=metadata,
    configure_api=configure_api,
    consumers=consumers,
    jobs=jobs,
    settings_class=TimetrackingSettings,
    # The entries' exclusion constraint compares operators' uuids in a GiST index.
    extensions=("btree_gist",),
)
