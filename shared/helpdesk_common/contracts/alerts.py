"""The alert contract: what monitoring systems outside the platform send, on the bus (`alerts.<source>`,
stream ALERTS) or over HTTP (`POST /api/itsm/alerts`), shaped on PagerDuty's Events API v2 so that a
producer that already speaks it changes little. docs/alerts.md is the producers' document.

On the bus an alert is one envelope of type `alert` (dataschema `urn:helpdesk:event:alert:v1`) whose
`data` is an `AlertData`; over HTTP the body is the `AlertData` itself with the source's integration
key, and the service writes the same envelope to its outbox, so both paths meet on one subject.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any, Literal, Self

import orjson
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from helpdesk_common.contracts.envelope import EventEnvelope

AlertAction = Literal["trigger", "acknowledge", "resolve"]
AlertSeverity = Literal["critical", "error", "warning", "info"]
SEVERITIES: tuple[AlertSeverity, ...] = ("critical", "error", "warning", "info")
# A source's name is one NATS subject token: lower-case letters, digits, '-' and '_'.
SOURCE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
DEDUP_KEY_MAX = 255
# custom_details is stored and shown as it came; bounded so that one alert cannot fill a row.
CUSTOM_DETAILS_MAX_BYTES = 16 * 1024


class AlertPayload(BaseModel):
    """What happened, where: PagerDuty's `payload`, with `rule` (the check or rule that fired) beside
    its fields, since correlation and storm detection need it."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, validate_by_name=True, validate_by_alias=True, serialize_by_alias=True
    )

    summary: str = Field(min_length=1, max_length=1024, description="One line saying what is wrong.")
    source: str = Field(
        min_length=1, max_length=255, description="The affected host (its hostname or inventory name)."
    )
    severity: AlertSeverity
    timestamp: datetime | None = Field(default=None, description="When it happened at the source (ISO 8601).")
    rule: str | None = Field(default=None, max_length=255, description="The rule or check that fired.")
    component: str | None = Field(default=None, max_length=255)
    group: str | None = Field(default=None, max_length=255)
    class_: str | None = Field(default=None, max_length=255, alias="class")
    custom_details: dict[str, Any] = Field(default_factory=dict)

    @field_validator("summary", "source", "rule", "component", "group", "class_")
    @classmethod
    def _no_nul(cls, value: str | None) -> str | None:
        if value is not None and "\x00" in value:
            raise ValueError("must not contain NUL characters")
        return value

    @field_validator("custom_details")
    @classmethod
    def _bounded(cls, value: dict[str, Any]) -> dict[str, Any]:
        try:
            encoded = orjson.dumps(value)
        except orjson.JSONEncodeError as error:
            # An integer past 64 bits, which a JSON body over HTTP may carry: the envelope could not
            # be written, so it is the alert's fault (422), not the server's.
            raise ValueError(f"must be storable as JSON: {error}") from error
        if len(encoded) > CUSTOM_DETAILS_MAX_BYTES:
            raise ValueError(f"must be at most {CUSTOM_DETAILS_MAX_BYTES} bytes as JSON")
        if "\\u0000" in encoded.decode():
            raise ValueError("must not contain NUL characters")
        return value


class AlertData(BaseModel):
    """One alert: `trigger` opens or adds to an incident; `acknowledge` and `resolve` act on the
    incident that holds `dedup_key`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_action: AlertAction
    dedup_key: str | None = Field(
        default=None,
        min_length=1,
        max_length=DEDUP_KEY_MAX,
        description="Case-sensitive; alerts with the same key belong to the same incident. Without "
        "one, a trigger correlates by source host and rule.",
    )
    payload: AlertPayload | None = Field(default=None, description="Required for `trigger`.")

    @field_validator("dedup_key")
    @classmethod
    def _no_nul(cls, value: str | None) -> str | None:
        if value is not None and "\x00" in value:
            raise ValueError("must not contain NUL characters")
        return value

    @model_validator(mode="after")
    def _complete(self) -> Self:
        if self.event_action == "trigger" and self.payload is None:
            raise ValueError("a trigger needs its payload")
        if self.event_action != "trigger" and self.dedup_key is None:
            raise ValueError(f"{self.event_action} needs the dedup_key of the alert it acts on")
        return self

    def correlation_key(self) -> str:
        """The dedup key, else `host:<source>|rule:<rule>` (for triggers; acknowledge and resolve
        always carry their key)."""
        if self.dedup_key is not None:
            return self.dedup_key
        assert self.payload is not None
        return f"host:{self.payload.source}|rule:{self.payload.rule or ''}"


class Alert(EventEnvelope[Any]):
    """An alert from a monitoring system; the envelope's `source` is the alert source's name."""

    event_type = "alert"
    stream = "ALERTS"
    type: Literal["alert"]
    data: AlertData

    def bus_subject(self) -> str:
        return f"alerts.{self.source}"

    @classmethod
    def channel(cls) -> str:
        return "alerts.{source}"

    @classmethod
    def from_source(cls, source: str, data: AlertData, *, event_id: uuid.UUID | None = None) -> Alert:
        alert = cls.build(source=source, subject=data.dedup_key or "", data=data)
        return alert if event_id is None else alert.model_copy(update={"id": event_id})


ALERT_EVENTS: tuple[type[EventEnvelope[Any]], ...] = (Alert,)
