"""The itsm service: incidents from alerts (correlation, storms, enrichment, the ITIL priority), the
incident record with its timeline and notes, CSAT, auto-close, alert sources with their integration
keys; later problems, changes, catalog, knowledge base and on-call. Its tables live in the `itsm`
schema, reached with the role `helpdesk_itsm` only; it keeps copies of the operators, the inventory
and the SLA definitions (the `consumers` role, beside the correlator), sweeps resolved incidents
closed (the `jobs` role), publishes `itsm.incident.<event>` through its outbox, and answers the
incidents as they are now (the `incident-states` role, states.py). docs/itsm.md has its rules,
docs/alerts.md the producers' contract.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from helpdesk_common.service import ServiceDefinition, ServiceRuntime, WorkerRole
from itsm.alerts.intake import router as intake_router
from itsm.alerts.limits import SourceLimiter
from itsm.autoclose.routes import router as autoclose_router
from itsm.config import ItsmSettings
from itsm.consumers import consumers
from itsm.csat.routes import router as csat_router
from itsm.groups.routes import router as groups_router
from itsm.incidents.routes import router as incidents_router
from itsm.inventory.routes import router as inventory_router
from itsm.jobs import jobs
from itsm.notes.routes import router as notes_router
from itsm.operators.routes import router as operators_router
from itsm.settings.routes import router as settings_router
from itsm.sla.routes import router as sla_router
from itsm.sources.routes import router as sources_router
from itsm.states import serve_incident_states
from itsm.tables import metadata


def configure_api(app: FastAPI, runtime: ServiceRuntime) -> None:
    app.state.alert_limiter = SourceLimiter()
    for router in (
        intake_router,
        autoclose_router,
        incidents_router,
        notes_router,
        csat_router,
        sources_router,
        settings_router,
        groups_router,
        operators_router,
        inventory_router,
        sla_router,
    ):
        app.include_router(router)


service = ServiceDefinition(
    name="itsm",
    schema="itsm",
    title="ITSM",
    migrations_dir=Path(__file__).parent / "migrations",
    tables=metadata,
    configure_api=configure_api,
    consumers=consumers,
    jobs=jobs,
    # The incidents as they are now, for a service starting without their history.
    worker_roles=[WorkerRole("incident-states", tasks=[serve_incident_states], uses_bus=True)],
    settings_class=ItsmSettings,
)
