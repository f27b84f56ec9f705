"""The mail-gateway service: department mailboxes, UID cursors, the message-id map, auto-reply and
follow-up settings. Its tables live in the `mail` schema, reached with the role
`helpdesk_mail_gateway` only. Inbound: raw messages stored (the poller, `helpdesk mail import`) and
parsed by the parser role into `mail_inbound_received`.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from helpdesk_common.service import ServiceDefinition, ServiceRuntime, WorkerRole
from mail_gateway.config import MailGatewaySettings
from mail_gateway.consumers import consumers
from mail_gateway.inbound.routes import router as failed_messages_router
from mail_gateway.jobs import jobs
from mail_gateway.parsing.worker import parser_consumer
from mail_gateway.tables import metadata


def configure_api(app: FastAPI, runtime: ServiceRuntime) -> None:
    app.include_router(failed_messages_router)


service = ServiceDefinition(
    name="mail-gateway",
    schema="mail",
    title="Mail gateway",
    migrations_dir=Path(__file__).parent / "migrations",
    tables=metadata,
    configure_api=configure_api,
    consumers=consumers,
    jobs=jobs,
    settings_class=MailGatewaySettings,
    worker_roles=[
        WorkerRole("parser", consumers=[parser_consumer]),
    ],
)
