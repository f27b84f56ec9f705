"""The mail-gateway service: department mailboxes, UID cursors, the message-id map, auto-reply and
follow-up settings. Its tables live in the `mail` schema, reached with the role
`helpdesk_mail_gateway` only: the mailbox settings API (mailboxes/), the projections of ticketing's
departments and module settings (projections/), and the worker roles that scale on their own: the
parser of raw messages (parsing/; stored by the poller and `helpdesk mail import`, inbound/) and
the sender (sending/).
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

from fastapi import FastAPI

from helpdesk_common.service import ServiceDefinition, ServiceRuntime, WorkerRole
from mail_gateway.config import MailGatewaySettings
from mail_gateway.consumers import consumers
from mail_gateway.inbound.routes import router as failed_messages_router
from mail_gateway.jobs import jobs
from mail_gateway.mailboxes.checks import connection_checks
from mail_gateway.mailboxes.routes import router as mailboxes_router
from mail_gateway.parsing.worker import parser_consumer
from mail_gateway.polling.poller import poll_mailboxes
from mail_gateway.sending.consumers import outbound_consumer
from mail_gateway.sending.sender import send_mail
from mail_gateway.tables import metadata


def configure_api(app: FastAPI, runtime: ServiceRuntime) -> None:
    app.include_router(mailboxes_router)
    app.state.mailbox_checks = connection_checks(cast(MailGatewaySettings, runtime.settings))
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
        WorkerRole("poller", tasks=[poll_mailboxes]),
        WorkerRole("parser", consumers=[parser_consumer]),
        WorkerRole("sender", consumers=[outbound_consumer], tasks=[send_mail]),
    ],
)
