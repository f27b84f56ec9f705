"""Bodies of the mailbox API. The settings are flat (`imap_host`, `smtp_host` ...), so every 422 names
one field the console shows its message under."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, BaseModel, Field

from helpdesk_common.bodies import MAX_BODY_BYTES
from helpdesk_common.inputs import BodyText, RequestModel, Verbatim

TlsMode = Literal["implicit", "starttls", "none"]
AuthMethod = Literal["password", "oauth2"]
SaslMechanism = Literal["XOAUTH2", "OAUTHBEARER"]

PLACEHOLDERS = ("ticket_number", "subject")
PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")


def _host(value: str) -> str:
    if _SPACE_OR_CONTROL.search(value):
        raise ValueError("A host name has no spaces or control characters.")
    return value


def _one_line(value: str) -> str:
    # These values reach protocol lines and mail headers, where a line break would start another.
    if _CONTROL.search(value):
        raise ValueError("Line breaks and control characters are not allowed here.")
    return value


def _address_or_empty(value: str) -> str:
    if not value:
        return value
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise ValueError(f"Not an e-mail address: {error}") from error


def _bounded_body(value: str) -> str:
    if len(value.encode()) > MAX_BODY_BYTES:
        raise ValueError(f"A body is at most {MAX_BODY_BYTES // 1024} KiB.")
    return value


def _placeholders(value: str) -> str:
    unknown = [name for name in PLACEHOLDER.findall(value) if name not in PLACEHOLDERS]
    if unknown:
        known = " and ".join(f"{{{{{name}}}}}" for name in PLACEHOLDERS)
        raise ValueError(f"Unknown placeholder {{{{{unknown[0]}}}}}: only {known} are filled in.")
    # One spelling for the sender to fill in: `{{ subject }}` is stored as `{{subject}}`.
    return PLACEHOLDER.sub(lambda match: f"{{{{{match.group(1)}}}}}", value)


Host = Annotated[str, Field(max_length=253), AfterValidator(_host)]
Port = Annotated[int, Field(strict=True, ge=1, le=65535)]
Line = Annotated[str, Field(max_length=320), AfterValidator(_one_line)]
Subject = Annotated[str, Field(max_length=998), AfterValidator(_one_line), AfterValidator(_placeholders)]
HtmlBody = Annotated[BodyText, AfterValidator(_bounded_body), AfterValidator(_placeholders)]
Secret = Annotated[str, Verbatim, Field(max_length=8192), AfterValidator(_one_line)]

SECRET_HELP = (
    "Write-only: never returned (the read says whether one is stored, `{name}_set`). Left out, the "
    "stored value is kept; an empty string or null clears it; any other value replaces it."
)
TLS_HELP = (
    "implicit (TLS from the first byte), starttls (upgraded after the greeting), or none: allowed "
    "only where the deployment sets HELPDESK_MAIL_ALLOW_PLAINTEXT."
)
HOST_HELP = "Empty: no {what} for this department."
BODY_HELP = (
    "HTML, sanitised on save (up to 512 KiB). {{ticket_number}} and {{subject}} are filled in when "
    "the message is sent; any other {{...}} is refused."
)


def _secret(name: str) -> Any:
    return Field(default=None, description=SECRET_HELP.format(name=name))


class MailboxSettingsIn(RequestModel):
    """The whole settings of a department's mailbox (PUT): a field left out takes its default, except
    the four secrets (see their descriptions)."""

    enabled: bool = Field(default=True, description="Off: the mailbox is kept but not polled.")
    auth_method: AuthMethod = Field(
        default="password", description="password, or oauth2 (one refresh token for IMAP and SMTP)."
    )
    imap_host: Host = Field(default="", description=HOST_HELP.format(what="ingestion"))
    imap_port: Port = 993
    imap_tls: TlsMode = Field(default="implicit", description=TLS_HELP)
    imap_username: Line = ""
    imap_password: Secret | None = _secret("imap_password")
    imap_folder: Annotated[Line, Field(max_length=200)] = "INBOX"
    smtp_host: Host = Field(default="", description=HOST_HELP.format(what="sending"))
    smtp_port: Port = 465
    smtp_tls: TlsMode = Field(default="implicit", description=TLS_HELP)
    smtp_username: Line = ""
    smtp_password: Secret | None = _secret("smtp_password")
    from_address: Annotated[str, Field(max_length=320), AfterValidator(_address_or_empty)] = Field(
        default="", description="The From of every message sent; required with an SMTP server."
    )
    from_name: Annotated[Line, Field(max_length=200)] = ""
    oauth_token_endpoint: Annotated[Line, Field(max_length=2000)] = Field(
        default="", description="https URL where the refresh token is traded for an access token."
    )
    oauth_client_id: Annotated[Line, Field(max_length=500)] = ""
    oauth_client_secret: Secret | None = _secret("oauth_client_secret")
    oauth_refresh_token: Secret | None = _secret("oauth_refresh_token")
    oauth_scope: Annotated[Line, Field(max_length=2000)] = ""
    oauth_mechanism: SaslMechanism = "XOAUTH2"
    auto_reply_enabled: bool = False
    auto_reply_subject: Subject = ""
    auto_reply_body_html: HtmlBody = Field(default="", description=BODY_HELP)
    follow_up_enabled: bool = False
    follow_up_after_days: Annotated[int, Field(strict=True, ge=1, le=365)] = Field(
        default=3, description="Days without a reply from the customer before the reminder (1-365)."
    )
    follow_up_subject: Subject = ""
    follow_up_body_html: HtmlBody = Field(default="", description=BODY_HELP)


SECRET_FIELDS = ("imap_password", "smtp_password", "oauth_client_secret", "oauth_refresh_token")


class MailboxSettingsOut(BaseModel):
    department_id: uuid.UUID
    configured: bool = Field(description="False: no mailbox yet; the values are the defaults.")
    enabled: bool
    auth_method: AuthMethod
    imap_host: str
    imap_port: int
    imap_tls: TlsMode
    imap_username: str
    imap_password_set: bool
    imap_folder: str
    smtp_host: str
    smtp_port: int
    smtp_tls: TlsMode
    smtp_username: str
    smtp_password_set: bool
    from_address: str
    from_name: str
    oauth_token_endpoint: str
    oauth_client_id: str
    oauth_client_secret_set: bool
    oauth_refresh_token_set: bool
    oauth_scope: str
    oauth_mechanism: SaslMechanism
    auto_reply_enabled: bool
    auto_reply_subject: str
    auto_reply_body_html: str
    follow_up_enabled: bool
    follow_up_after_days: int
    follow_up_subject: str
    follow_up_body_html: str
    updated_at: datetime | None


class MailboxHealthOut(BaseModel):
    """What the poller last recorded; all empty until it has polled."""

    department_id: uuid.UUID
    configured: bool
    enabled: bool
    last_poll_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    messages_waiting: int | None
    credentials_failing: bool
    lease_holder: str | None = Field(description="The poller holding the mailbox, while its lease runs.")
    lease_expires_at: datetime | None


class MailboxTestResult(BaseModel):
    """A test action's outcome: a refusal or an unreachable server is a result, not an error."""

    ok: bool
    stage: str = Field(description="Where it ended: connect, tls, greeting, login ... or done.")
    message: str = Field(description="The server's own words (or the network's); never a secret.")
