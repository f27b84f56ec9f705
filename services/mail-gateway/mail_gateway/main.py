"""The mail-gateway service: department mailboxes, UID cursors, the message-id map, auto-reply and
follow-up settings. Its tables live in the `mail` schema, reached with the role
`helpdesk_mail_gateway` only. No domain yet: health, readiness, migrations, the outbox relay and the
inbox's pruning.
"""

from __future__ import annotations

from pathlib import Path

from helpdesk_common.service import ServiceDefinition, WorkerRole
from mail_gateway.config import MailGatewaySettings
from mail_gateway.consumers import consumers
from mail_gateway.jobs import jobs
from mail_gateway.polling.poller import poll_mailboxes
from mail_gateway.tables import metadata

service = ServiceDefinition(
    name="mail-gateway",
    schema="mail",
    title="Mail gateway",
    migrations_dir=Path(__file__).parent / "migrations",
    tables=metadata,
    consumers=consumers,
    jobs=jobs,
    settings_class=MailGatewaySettings,
    worker_roles=[
        WorkerRole("poller", tasks=[poll_mailboxes]),
    ],
)
