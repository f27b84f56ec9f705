"""The mail-gateway service's settings: the shared ones (`HELPDESK_*`), and its own beside them (a
field `x` is read from `HELPDESK_X`)."""

from __future__ import annotations

from helpdesk_common.config import HelpdeskSettings

MIB = 1024 * 1024


class MailGatewaySettings(HelpdeskSettings):
    service_name: str = "mail-gateway"
    # The parser's limits: a message over any of them is kept whole as failed, for an administrator
    # to see and retry once the limit is raised. A 50 MB message (one large attachment, base64) fits.
    mail_max_message_bytes: int = 64 * MIB
    mail_max_attachment_bytes: int = 48 * MIB
    mail_max_attachments: int = 100
    # The object store bucket ticketing reads attachments from (ticketing's attachments_bucket).
    attachments_bucket: str = "ticket-attachments"
