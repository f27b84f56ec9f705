"""The CloudEvents-shaped envelope: one JSON document per event, whatever the domain."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field

DataT = TypeVar("DataT", bound=BaseModel)

SPEC_VERSION = "1.0"


class ContractViolation(ValueError):
    """A message that is not a valid event of a known type and version; it is dead-lettered."""


def dataschema_uri(event_type: str, version: int) -> str:
    return f"urn:helpdesk:event:{event_type}:v{version}"


class EventEnvelope(BaseModel, Generic[DataT]):
    """`id` doubles as the JetStream `Nats-Msg-Id`, so a re-published event is dropped as a duplicate."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Each concrete event sets these; they are the registry keys.
    event_type: ClassVar[str]
    schema_version: ClassVar[int] = 1
    stream: ClassVar[str]

    id: uuid.UUID
    type: str
    source: str
    time: datetime
    subject: str = Field(description="The id of the entity the event is about.")
    specversion: str = SPEC_VERSION
    dataschema: str
    datacontenttype: str = "application/json"
    data: DataT

    @classmethod
    def build(cls, *, source: str, subject: str, data: DataT) -> Self:
        return cls(
            id=uuid.uuid4(),
            type=cls.event_type,
            source=source,
            time=datetime.now(UTC),
            subject=subject,
            dataschema=dataschema_uri(cls.event_type, cls.schema_version),
            data=data,
        )

    def bus_subject(self) -> str:
        """The NATS subject this event is published on (DESIGN.md, "The bus")."""
        raise NotImplementedError

    @classmethod
    def channel(cls) -> str:
        """The subject pattern for the event catalogue; contracts whose subject depends on their
        data override it."""
        return str(cls.model_construct().bus_subject())

    def to_json(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def json_schema_for_catalogue(cls) -> dict[str, Any]:
        return cls.model_json_schema(mode="serialization")
