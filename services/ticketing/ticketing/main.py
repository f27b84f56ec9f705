"""The ticketing service: tickets and the records they hang on (departments, customers, contacts,
templates, labels, types, module settings)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from helpdesk_common.attachment_store import AttachmentStorage
from helpdesk_common.service import ServiceDefinition, ServiceRuntime, WorkerRole
from ticketing.attachments.routes import router as attachments_router
from ticketing.comments.routes import router as comments_router
from ticketing.config import TicketingSettings
from ticketing.customers.routes import router as customers_router
from ticketing.departments.routes import router as departments_router
from ticketing.inventory.consumers import inventory_consumer
from ticketing.inventory.routes import router as inventory_router
from ticketing.jobs import cleanup_job, settle_counts_job
from ticketing.labels.routes import router as labels_router
from ticketing.mail_in.consumers import mail_in_consumer
from ticketing.mail_out.consumers import mail_delivery_consumer
from ticketing.operators.routes import router as operators_router
from ticketing.projections.consumers import identity_consumer, sla_consumer
from ticketing.projections.sla_deadlines import sla_deadlines_consumer
from ticketing.settings.routes import router as settings_router
from ticketing.states import serve_ticket_states
from ticketing.tables import metadata
from ticketing.templates.routes import router as templates_router
from ticketing.tickets.routes import router as tickets_router


def configure_api(app: FastAPI, runtime: ServiceRuntime) -> None:
    settings = runtime.settings
    assert isinstance(settings, TicketingSettings)
    app.state.attachments = AttachmentStorage(
        settings.nats_url, settings.attachments_bucket, replicas=settings.nats_stream_replicas
    )
    # Tickets first: most requests are theirs, and their paths match only ticket numbers.
    app.include_router(tickets_router)
    app.include_router(comments_router)
    app.include_router(attachments_router)
    app.include_router(settings_router)
    app.include_router(labels_router)
    app.include_router(departments_router)
    app.include_router(customers_router)
    app.include_router(templates_router)
    app.include_router(inventory_router)
    app.include_router(operators_router)


service = ServiceDefinition(
    name="ticketing",
    schema="ticketing",
    title="Ticketing",
    migrations_dir=Path(__file__).parent / "migrations",
    tables=metadata,
    configure_api=configure_api,
    consumers=[
        identity_consumer,
        sla_consumer,
        sla_deadlines_consumer,
        inventory_consumer,
        mail_in_consumer,
        mail_delivery_consumer,
    ],
    extensions=("pg_trgm",),
    jobs=[cleanup_job, settle_counts_job],
    # Tickets, departments and settings as they are now, for a service starting without their history.
    worker_roles=[WorkerRole("ticket-states", tasks=[serve_ticket_states], uses_bus=True)],
    settings_class=TicketingSettings,
    larger_bodies=lambda settings: {r"^/[^/]+/attachments$": settings.attachment_max_bytes},  # type: ignore[attr-defined]
)
