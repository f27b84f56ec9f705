"""The SLA engine: SLA definitions (seed 10.15), business calendars with their holidays (issue 18), a
timer per ticket kept from the ticket events and the deadlines it sets on tickets (`sla_deadlines_set`),
a timer per incident kept from the incident events and the deadlines it sets on incidents
(`sla_incident_deadlines_set`), the sweep that publishes `sla_warning` and `sla_breached` and breaches
incidents, and the compliance read. Escalation policies are not built."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from helpdesk_common.service import ServiceDefinition, ServiceRuntime
from sla_engine.calendars.routes import router as calendars_router
from sla_engine.compliance.routes import router as compliance_router
from sla_engine.config import SlaEngineSettings
from sla_engine.definitions.routes import router as definitions_router
from sla_engine.incidents.bootstrap import bootstrap_incident_timers_job
from sla_engine.incidents.consumers import incident_events_consumer
from sla_engine.projections import learn_switch_job, ticket_settings_consumer
from sla_engine.tables import metadata
from sla_engine.timers.bootstrap import bootstrap_timers_job
from sla_engine.timers.consumers import ticket_events_consumer
from sla_engine.timers.sweep import sla_sweep_job


def configure_api(app: FastAPI, runtime: ServiceRuntime) -> None:
    app.include_router(definitions_router)
    app.include_router(calendars_router)
    app.include_router(compliance_router)


service = ServiceDefinition(
    name="sla-engine",
    schema="sla",
    title="SLA engine",
    migrations_dir=Path(__file__).parent / "migrations",
    tables=metadata,
    configure_api=configure_api,
    consumers=[ticket_events_consumer, ticket_settings_consumer, incident_events_consumer],
    jobs=[sla_sweep_job, bootstrap_timers_job, bootstrap_incident_timers_job, learn_switch_job],
    settings_class=SlaEngineSettings,
)
