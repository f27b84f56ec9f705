"""Bodies of the webhook API (seed 10.16), a department's and the ITSM account's (the same fields, with
the incident events and placeholders). Every 422 names the field the console shows its message
under: `url`, `body`, `headers`, `events` ..."""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field

from helpdesk_common.contracts.itsm import INCIDENT_EVENT_NAMES
from helpdesk_common.inputs import NotNull, RequestModel
from notifier.webhooks.templates import (
    DEFAULT_BODY,
    INCIDENT_DEFAULT_BODY,
    INCIDENT_TEMPLATES,
    TICKET_TEMPLATES,
    TemplateKind,
    body_refusal,
)

Method = Literal["GET", "POST", "PUT", "DELETE", "PATCH"]
EventName = Literal[
    "ticket_created",
    "ticket_updated",
    "ticket_closed",
    "ticket_assigned",
    "comment_added",
    "sla_warning",
    "sla_breached",
    "auto_closed",
]
IncidentEventName = Literal[
    "incident_created",
    "incident_updated",
    "incident_assigned",
    "incident_acknowledged",
    "incident_escalated",
    "incident_resolved",
    "incident_reopened",
    "incident_closed",
]
# The contract's names, spelt out above so that the API description lists them.
assert get_args(IncidentEventName) == INCIDENT_EVENT_NAMES
DEFAULT_HEADERS = {"Content-Type": "application/json"}
# Set by the sender on every request: a template may not replace them.
RESERVED_HEADERS = frozenset(
    {"webhook-id", "webhook-timestamp", "webhook-signature", "host", "content-length", "transfer-encoding"}
)
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_BODY_BYTES = 64 * 1024


def _checked_body(value: str, kind: TemplateKind) -> str:
    if len(value.encode()) > MAX_BODY_BYTES:
        raise ValueError(f"A body is at most {MAX_BODY_BYTES // 1024} KiB.")
    refusal = body_refusal(value, kind)
    if refusal:
        raise ValueError(refusal)
    return value


def _body(value: str) -> str:
    return _checked_body(value, TICKET_TEMPLATES)


def _incident_body(value: str) -> str:
    return _checked_body(value, INCIDENT_TEMPLATES)


def _headers_parsed(value: Any) -> Any:
    """The console's editor sends the JSON text; a client may send the object itself."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError as error:
            raise ValueError(f"Not JSON: {error}") from error
    return value


def _headers(value: dict[str, str]) -> dict[str, str]:
    for name, content in value.items():
        if not _TOKEN.match(name):
            raise ValueError(f"{name!r} is not a header name.")
        if name.lower() in RESERVED_HEADERS:
            raise ValueError(f"{name} is set by the sender and cannot be given here.")
        if _CONTROL.search(content):
            raise ValueError(f"The value of {name} may not contain line breaks or control characters.")
    return value


def _events(value: list[str]) -> list[str]:
    return list(dict.fromkeys(value))


Body = Annotated[str, AfterValidator(_body)]
Headers = Annotated[
    dict[str, Annotated[str, Field(max_length=4096)]],
    BeforeValidator(_headers_parsed),
    Field(max_length=50),
    AfterValidator(_headers),
]
Events = Annotated[list[EventName], AfterValidator(_events)]
IncidentBody = Annotated[str, AfterValidator(_incident_body)]
IncidentEvents = Annotated[list[IncidentEventName], AfterValidator(_events)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Url = Annotated[str, Field(min_length=1, max_length=2048)]
Description = Annotated[str, Field(max_length=2000)]

BODY_HELP = (
    "A JSON template; the placeholders {{ticket_number}}, {{subject}}, {{status}}, {{priority}}, "
    "{{assigned_to}}, {{customer}}, {{department}}, {{event}}, {{timestamp}} and {{url}} are filled "
    "in JSON-escaped, so they belong inside strings. Left out: the default body of seed 10.16."
)
HEADERS_HELP = (
    'A JSON object (or its text) of header names and values; default {"Content-Type": "application/json"}.'
)
EVENTS_HELP = "The events it fires for; empty: all eight."
INCIDENT_BODY_HELP = (
    "A JSON template; the placeholders {{incident_number}}, {{title}}, {{status}}, {{priority}}, "
    "{{severity}}, {{impact}}, {{urgency}}, {{host}}, {{source}}, {{rule}}, {{assigned_to}}, "
    "{{assignment_group_id}}, {{escalation_level}}, {{resolution_code}}, {{note}}, {{event}}, "
    "{{timestamp}} and {{url}} are filled in JSON-escaped, so they belong inside strings. Left out: "
    "the default incident body."
)
INCIDENT_EVENTS_HELP = "The incident events it fires for; empty: all eight."


class _WebhookInFields(RequestModel):
    name: Name
    description: Description = ""
    url: Url = Field(description="http(s); checked against the address guard (no internal targets).")
    method: Method = "POST"
    headers: Headers = Field(default_factory=lambda: dict(DEFAULT_HEADERS), description=HEADERS_HELP)
    enabled: bool = True


class WebhookIn(_WebhookInFields):
    body: Body = Field(default=DEFAULT_BODY, description=BODY_HELP)
    events: Events = Field(default_factory=list, description=EVENTS_HELP)


class ItsmWebhookIn(_WebhookInFields):
    """An ITSM webhook: the account's, for incident events."""

    body: IncidentBody = Field(default=INCIDENT_DEFAULT_BODY, description=INCIDENT_BODY_HELP)
    events: IncidentEvents = Field(default_factory=list, description=INCIDENT_EVENTS_HELP)


class _WebhookPatchFields(RequestModel):
    """Fields left out keep their value."""

    name: Annotated[Name | None, NotNull] = None
    description: Annotated[Description | None, NotNull] = None
    url: Annotated[Url | None, NotNull] = None
    method: Annotated[Method | None, NotNull] = None
    headers: Annotated[Headers | None, NotNull] = Field(default=None, description=HEADERS_HELP)
    enabled: Annotated[bool | None, NotNull] = None


class WebhookPatch(_WebhookPatchFields):
    body: Annotated[Body | None, NotNull] = Field(default=None, description=BODY_HELP)
    events: Annotated[Events | None, NotNull] = Field(default=None, description=EVENTS_HELP)


class ItsmWebhookPatch(_WebhookPatchFields):
    body: Annotated[IncidentBody | None, NotNull] = Field(default=None, description=INCIDENT_BODY_HELP)
    events: Annotated[IncidentEvents | None, NotNull] = Field(default=None, description=INCIDENT_EVENTS_HELP)


class _WebhookOutFields(BaseModel):
    id: uuid.UUID
    name: str
    description: str
    url: str
    method: Method
    body: str
    headers: dict[str, str]
    enabled: bool
    failing_since: datetime | None = Field(
        description="The first failed attempt since the last successful one, or null."
    )
    failing: bool = Field(
        description="Its deliveries have failed for a day (HELPDESK_WEBHOOK_FAILING_AFTER_SECONDS)."
    )
    created_at: datetime
    updated_at: datetime


class WebhookOut(_WebhookOutFields):
    department_id: uuid.UUID
    events: list[EventName]


class ItsmWebhookOut(_WebhookOutFields):
    events: list[IncidentEventName]


SECRET_HELP = "The signing secret (whsec_...): shown this once, never again."


class WebhookWithSecret(WebhookOut):
    secret: str = Field(description=SECRET_HELP)


class ItsmWebhookWithSecret(ItsmWebhookOut):
    secret: str = Field(description=SECRET_HELP)


class SecretOut(BaseModel):
    secret: str = Field(description="The new signing secret (whsec_...): shown this once, never again.")


class WebhookTestResult(BaseModel):
    ok: bool = Field(description="The receiver answered with a 2xx status.")
    status: int | None
    milliseconds: float
    answer: str = Field(description="The start of the answer's body.")
    error: str | None = Field(description="Why there was no answer (refused address, timeout, ...).")


class AttemptOut(BaseModel):
    attempt: int
    sent_at: datetime
    status: int | None
    milliseconds: float
    error: str | None
    request: dict[str, Any] = Field(description="The request as sent: method, url, headers, body.")
    answer: str


DeliveryState = Literal["queued", "sending", "delivered", "retrying", "failed"]


class DeliveryOut(BaseModel):
    id: uuid.UUID = Field(description="Sent as webhook-id, the same on every attempt.")
    webhook_id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    ticket_id: uuid.UUID | None
    incident_id: uuid.UUID | None
    state: DeliveryState
    attempts: int
    next_attempt_at: datetime | None
    last_status: int | None
    last_error: str
    created_at: datetime
    delivered_at: datetime | None
    attempt_log: list[AttemptOut]
