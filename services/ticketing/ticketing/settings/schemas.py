"""Bodies of the settings API, with the normalisation the seed asks for."""

from __future__ import annotations

import re
import uuid
from datetime import datetime

from pydantic import BaseModel, Field, field_validator

from helpdesk_common.inputs import RequestModel

PREFIX_PATTERN = re.compile(r"^[A-Z][A-Z0-9]{0,9}$")
EXTENSION_PATTERN = re.compile(r"^\.[a-z0-9][a-z0-9_+-]{0,19}$")


def normalise_prefix(value: str) -> str:
    prefix = value.strip().upper()
    if not PREFIX_PATTERN.match(prefix):
        raise ValueError("a prefix is 1 to 10 letters and digits, starting with a letter (e.g. TKT, ACME)")
    return prefix


def normalise_extensions(values: list[str]) -> list[str]:
    """`.EXE`, `exe` and `.exe` are one entry."""
    found: list[str] = []
    for value in values:
        extension = "." + value.strip().lower().lstrip(".")
        if not EXTENSION_PATTERN.match(extension):
            raise ValueError(f"{value!r} is not a file extension")
        if extension not in found:
            found.append(extension)
    return sorted(found)


class ModuleSettingsUpdate(RequestModel):
    ticket_system_enabled: bool
    ticket_number_prefix: str = Field(max_length=32)
    blocked_extensions: list[str] = Field(max_length=200)

    @field_validator("ticket_number_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        return normalise_prefix(value)

    @field_validator("blocked_extensions")
    @classmethod
    def _extensions(cls, values: list[str]) -> list[str]:
        return normalise_extensions(values)


class ModuleSettingsOut(BaseModel):
    ticket_system_enabled: bool
    ticket_number_prefix: str
    blocked_extensions: list[str]
    updated_at: datetime
    updated_by: uuid.UUID | None


class ModuleState(BaseModel):
    enabled: bool = Field(description="Settings, Ticket System, 'Ticket System Enabled'.")
