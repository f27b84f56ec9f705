"""The mail-gateway service's settings: the shared ones (`HELPDESK_*`), and its own beside them as it
grows (a field `x` is read from `HELPDESK_X`)."""

from __future__ import annotations

from pydantic import Field

from helpdesk_common.config import HelpdeskSettings


class MailGatewaySettings(HelpdeskSettings):
    service_name: str = "mail-gateway"
    # TLS mode `none` (and an http:// OAuth2 token endpoint) only where the deployment allows it
    # (HELPDESK_MAIL_ALLOW_PLAINTEXT): a password sent in clear is readable by anyone on the path.
    mail_allow_plaintext: bool = False
    # Extra certificate authorities mail servers are verified against, beside the system's
    # (HELPDESK_MAIL_CA_FILE: an internal CA, or the tests').
    mail_ca_file: str | None = None
    # How long a test action waits for a server before reporting that it did not answer.
    mail_test_timeout_seconds: float = Field(default=20.0, gt=0, le=50)
