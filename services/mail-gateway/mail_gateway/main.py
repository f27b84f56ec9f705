"""The mail-gateway service: department mailboxes, UID cursors, the message-id map, auto-reply and
follow-up settings. Its tables live in the `mail` schema, reached with the role
`helpdesk_mail_gateway` only. Today: the mailbox settings API (mailboxes/), and the projections of
ticketing's departments and module settings (projections/).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from helpdesk_common.service import ServiceDefinition, ServiceRuntime
from mail_gateway.config import MailGatewaySettings
from mail_gateway.consumers import consumers
from mail_gateway.jobs import jobs
from mail_gateway.mailboxes.checks import GREETING_CHECKS
from mail_gateway.mailboxes.routes import router as mailboxes_router
from mail_gateway.tables import metadata


def configure_api(app: FastAPI, runtime: ServiceRuntime) -> None:
    app.include_router(mailboxes_router)
    app.state.mailbox_checks = GREETING_CHECKS


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
)
