"""The notifier service: e-mail notifications per department and for incidents (notifications/),
webhooks per department and the ITSM account's for incidents, their deliveries and the delivery log,
live updates (live/). Its tables live in the
`notifier` schema, reached with the role `helpdesk_notifier` only: the notification and webhook APIs
(notifications/, webhooks/, deliveries/routes.py), the projections of ticketing's departments and
module switch (projections.py), the notification e-mails (the `consumers` role), and the webhook
workers, a role of their own that ops scale apart (`helpdesk run notifier --role webhook-worker`,
deliveries/).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from helpdesk_common.service import ServiceDefinition, ServiceRuntime, WorkerRole
from notifier.config import NotifierSettings
from notifier.consumers import consumers
from notifier.deliveries.consumers import incident_events_consumer, ticket_events_consumer
from notifier.deliveries.routes import itsm_router as itsm_deliveries_router
from notifier.deliveries.routes import router as deliveries_router
from notifier.deliveries.worker import send_webhooks
from notifier.jobs import jobs
from notifier.live import routes as live_routes
from notifier.notifications.routes import itsm_router as itsm_notifications_router
from notifier.notifications.routes import router as notifications_router
from notifier.tables import metadata
from notifier.webhooks.itsm_routes import router as itsm_webhooks_router
from notifier.webhooks.routes import router as webhooks_router


def configure_api(app: FastAPI, runtime: ServiceRuntime) -> None:
    app.include_router(webhooks_router)
    app.include_router(deliveries_router)
    app.include_router(itsm_webhooks_router)
    app.include_router(itsm_deliveries_router)
    app.include_router(notifications_router)
    app.include_router(itsm_notifications_router)
    live_routes.install(app, runtime)


service = ServiceDefinition(
    name="notifier",
    schema="notifier",
    title="Notifier",
    migrations_dir=Path(__file__).parent / "migrations",
    tables=metadata,
    configure_api=configure_api,
    consumers=consumers,
    jobs=jobs,
    settings_class=NotifierSettings,
    worker_roles=[
        WorkerRole(
            "webhook-worker",
            consumers=[ticket_events_consumer, incident_events_consumer],
            tasks=[send_webhooks],
        )
    ],
)
