"""Mail between ticketing and the mail gateway: messages to send (`mail.outbound.<department_id>`), what
became of each (`mail.delivery.<department_id>`), parsed messages received
(`mail.inbound.<department_id>`), and, inside the mail gateway, raw messages stored and waiting for a
parser (`mail.stored.<department_id>`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator

from helpdesk_common.contracts.envelope import EventEnvelope
from helpdesk_common.inputs import strip_nul


class OutboundAttachment(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    name: str
    content_type: str
    size: int
    # Its object in the attachments bucket (HELPDESK_ATTACHMENTS_BUCKET) where ticketing stored it.
    object_name: str


class OutboundMail(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    department_id: uuid.UUID
    ticket_id: uuid.UUID
    ticket_number: str
    comment_id: uuid.UUID | None = None
    to: list[str]
    subject: str
    body_text: str
    body_html: str
    # Threading: the mail gateway sends with this Message-ID and these references, so replies find
    # their ticket through In-Reply-To/References as well as through the number in the subject.
    message_id: str
    in_reply_to: str | None = None
    references: list[str] = []
    attachments: list[OutboundAttachment] = []
    # Mail no person wrote at that moment (auto-reply, reminder): sent with `Auto-Submitted:
    # auto-generated` (RFC 3834), so other systems' auto-replies leave it alone.
    automatic: bool = False


class MailOutboundRequested(EventEnvelope[Any]):
    """A message to send through the department's SMTP."""

    event_type = "mail_outbound_requested"
    stream = "MAIL"
    type: Literal["mail_outbound_requested"]
    data: OutboundMail

    def bus_subject(self) -> str:
        return f"mail.outbound.{self.data.department_id}"

    @classmethod
    def channel(cls) -> str:
        return "mail.outbound.{department_id}"


DeliveryState = Literal["queued", "sending", "sent", "retrying", "failed"]


class MailDelivery(BaseModel):
    """Where one outbound message stands, as the mail gateway recorded it."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    department_id: uuid.UUID
    ticket_id: uuid.UUID
    comment_id: uuid.UUID | None = None
    message_id: str
    state: DeliveryState
    # The server's own words (or the network's, or ours when there is no mailbox); "" when sent.
    detail: str = ""
    attempts: int
    next_attempt_at: datetime | None = None
    # Grows by one with every change of this message: a consumer keeps the highest it has seen, so
    # an older event arriving late never overwrites a newer state.
    revision: int
    at: datetime


class MailDeliveryChanged(EventEnvelope[Any]):
    """An outbound message was queued, is being sent, was sent, waits for another try, or failed."""

    event_type = "mail_delivery_changed"
    stream = "MAIL"
    type: Literal["mail_delivery_changed"]
    data: MailDelivery

    def bus_subject(self) -> str:
        return f"mail.delivery.{self.data.department_id}"

    @classmethod
    def channel(cls) -> str:
        return "mail.delivery.{department_id}"


class _FromOutside(BaseModel):
    """What a stranger's mail carries is kept, NUL characters (which PostgreSQL cannot store) dropped:
    refusing it would dead-letter a customer's message."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _without_nul(cls, value: Any) -> Any:
        return strip_nul(value)


class InboundAttachment(_FromOutside):
    name: str
    content_type: str
    size: int
    # Where the mail gateway stored the bytes (JetStream object store), for ticketing to link.
    object_name: str | None = None
    # The part's Content-ID, which a `cid:` image in the HTML body refers to.
    content_id: str | None = None


class BounceReport(_FromOutside):
    """A delivery failure reported by a mail server (an RFC 3464 report, or a mailer-daemon's own
    words), about a message we sent."""

    recipient: str = ""
    # RFC 3464's action: `failed`, or `delayed` for a report that the server is still trying.
    action: str = "failed"
    # The RFC 3463 status (`5.1.1`) when the report gives one.
    status: str = ""
    # The remote server's own words (`550 5.1.1 <x@example.com>: user unknown`).
    diagnostic: str = ""
    # The Message-ID of the message that failed, when the report carries it (our outbound mail's).
    original_message_id: str | None = None


class InboundMail(_FromOutside):
    """A parsed message from a department's mailbox; the raw message stays with the mail gateway."""

    department_id: uuid.UUID
    message_id: str
    in_reply_to: str | None = None
    references: list[str] = []
    from_address: str
    from_name: str = ""
    subject: str = ""
    body_text: str = ""
    body_html: str = ""
    attachments: list[InboundAttachment] = []
    # Attachments stripped because their extension is blocked (seed 10.2): names only.
    blocked_attachments: list[str] = []
    # Why the message was sent by a machine (`Auto-Submitted: auto-replied`, `Precedence: bulk`,
    # `mailer-daemon sender`), or None from a person: no auto-reply is ever sent to the first kind.
    automatic: str | None = None
    # A delivery failure report: recorded on the ticket of the failed message, never a new ticket.
    bounce: BounceReport | None = None


class MailInboundReceived(EventEnvelope[Any]):
    """A message arrived in a department's mailbox."""

    event_type = "mail_inbound_received"
    stream = "MAIL"
    type: Literal["mail_inbound_received"]
    data: InboundMail

    def bus_subject(self) -> str:
        return f"mail.inbound.{self.data.department_id}"

    @classmethod
    def channel(cls) -> str:
        return "mail.inbound.{department_id}"


class StoredMail(BaseModel):
    """A raw message the mail gateway stored (its poller or an import); the bytes stay in its database."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    department_id: uuid.UUID
    inbound_message_id: uuid.UUID


class MailStored(EventEnvelope[Any]):
    """A raw message is stored and waits for a parser (the mail gateway's own work, split between its
    parser processes)."""

    event_type = "mail_stored"
    stream = "MAIL"
    type: Literal["mail_stored"]
    data: StoredMail

    def bus_subject(self) -> str:
        return f"mail.stored.{self.data.department_id}"

    @classmethod
    def channel(cls) -> str:
        return "mail.stored.{department_id}"


MAIL_EVENTS: tuple[type[EventEnvelope[Any]], ...] = (
    MailOutboundRequested,
    MailDeliveryChanged,
    MailInboundReceived,
    MailStored,
)
