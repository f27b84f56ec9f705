"""Bodies of the notification settings API: a department's recipients as the console's one text field
holds them (comma-separated), each address checked, and the eight event checkboxes of seed 10.10; the
ITSM account's, one rule per incident event (its recipients, the assignee, the priorities it is sent
for) and the department whose mailbox sends them. A 422 names the field, `recipients` or
`events.incident_created.recipients`, and the address that is wrong."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal, get_args

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, BaseModel, Field

from helpdesk_common.contracts.itsm import INCIDENT_EVENT_NAMES, IncidentPriority
from helpdesk_common.inputs import RequestModel

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
EVENT_NAMES: tuple[str, ...] = get_args(EventName)
MAX_RECIPIENTS = 100


def parse_recipients(value: str) -> list[str]:
    """The addresses in the order given, normalised, each once (compared without case); empty items
    (a trailing comma) are passed over."""
    found: dict[str, str] = {}
    for item in value.split(","):
        address = item.strip()
        if not address:
            continue
        try:
            normalised = validate_email(address, check_deliverability=False).normalized
        except EmailNotValidError as error:
            raise ValueError(f"{address!r} is not an e-mail address: {error}") from error
        found.setdefault(normalised.lower(), normalised)
    if len(found) > MAX_RECIPIENTS:
        raise ValueError(f"At most {MAX_RECIPIENTS} recipients.")
    return list(found.values())


def _recipients(value: str) -> str:
    return ", ".join(parse_recipients(value))


Recipients = Annotated[str, Field(max_length=32_000), AfterValidator(_recipients)]


class NotificationEvents(RequestModel):
    """The checkboxes: each one on sends its event to every recipient."""

    ticket_created: bool = False
    ticket_updated: bool = False
    ticket_closed: bool = False
    ticket_assigned: bool = False
    comment_added: bool = False
    sla_warning: bool = False
    sla_breached: bool = False
    auto_closed: bool = False

    def selected(self) -> list[str]:
        return [name for name in EVENT_NAMES if getattr(self, name)]

    @classmethod
    def of(cls, selected: list[str]) -> NotificationEvents:
        return cls(**{name: name in selected for name in EVENT_NAMES})


RECIPIENTS_HELP = "Comma-separated e-mail addresses; each selected event is one e-mail to each of them."


class NotificationSettingsIn(RequestModel):
    """The whole section as saved: a checkbox left out is off."""

    recipients: Recipients = Field(default="", description=RECIPIENTS_HELP)
    events: NotificationEvents = Field(default_factory=NotificationEvents)


class NotificationSettingsOut(BaseModel):
    department_id: uuid.UUID
    recipients: str = Field(description=RECIPIENTS_HELP)
    events: NotificationEvents
    updated_at: datetime | None = Field(description="Null while the department's settings were never saved.")


PRIORITIES: tuple[IncidentPriority, ...] = get_args(IncidentPriority)


def _priorities(value: list[IncidentPriority]) -> list[IncidentPriority]:
    """Each once, in the matrix's order."""
    return [priority for priority in PRIORITIES if priority in value]


class IncidentEventRule(RequestModel):
    """Whom one incident event writes to; nobody when neither recipients nor the assignee are on."""

    recipients: Recipients = Field(default="", description=RECIPIENTS_HELP)
    assignee: bool = Field(
        default=False,
        description=(
            "Also the operator the incident is assigned to, at their address, unless they made the "
            "change themselves."
        ),
    )
    priorities: Annotated[list[IncidentPriority], AfterValidator(_priorities)] = Field(
        default_factory=list,
        description="Sent only for incidents of these priorities; empty: every priority.",
    )

    def writes(self) -> bool:
        return bool(self.recipients) or self.assignee


class IncidentNotificationEvents(RequestModel):
    """One rule per incident event; an event left out writes to nobody."""

    incident_created: IncidentEventRule = Field(default_factory=IncidentEventRule)
    incident_updated: IncidentEventRule = Field(default_factory=IncidentEventRule)
    incident_assigned: IncidentEventRule = Field(default_factory=IncidentEventRule)
    incident_acknowledged: IncidentEventRule = Field(default_factory=IncidentEventRule)
    incident_escalated: IncidentEventRule = Field(default_factory=IncidentEventRule)
    incident_resolved: IncidentEventRule = Field(default_factory=IncidentEventRule)
    incident_reopened: IncidentEventRule = Field(default_factory=IncidentEventRule)
    incident_closed: IncidentEventRule = Field(default_factory=IncidentEventRule)

    def rules(self) -> dict[str, IncidentEventRule]:
        return {name: getattr(self, name) for name in INCIDENT_EVENT_NAMES}


# The contract's names are the fields above, so that the API description lists them.
assert tuple(IncidentNotificationEvents.model_fields) == INCIDENT_EVENT_NAMES

SENDER_HELP = (
    "The department whose outbound mailbox sends the incident e-mails (incidents have no department "
    "of their own); needed once any event writes to anyone."
)


class IncidentNotificationsIn(RequestModel):
    """The whole section as saved: an event left out writes to nobody."""

    sender_department_id: uuid.UUID | None = Field(default=None, description=SENDER_HELP)
    events: IncidentNotificationEvents = Field(default_factory=IncidentNotificationEvents)


class SenderDepartment(BaseModel):
    id: uuid.UUID
    name: str


class IncidentNotificationsOut(BaseModel):
    sender_department_id: uuid.UUID | None = Field(description=SENDER_HELP)
    sender_department: str | None = Field(description="That department's name.")
    events: IncidentNotificationEvents
    updated_at: datetime | None = Field(description="Null while the settings were never saved.")
