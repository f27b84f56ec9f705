"""Bodies of the labels and types API."""

from __future__ import annotations

import re
import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

COLOR = re.compile(r"^#(?:[0-9a-f]{3}|[0-9a-f]{6})$")


def normalise_color(value: str) -> str:
    color = value.strip().lower()
    if not COLOR.match(color):
        raise ValueError("a colour is a hex value such as #e11d48 or #fc0")
    if len(color) == 4:
        color = "#" + "".join(digit * 2 for digit in color[1:])
    return color


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class LabelCreate(_Body):
    name: str = Field(min_length=1, max_length=100)
    color: str

    @field_validator("color")
    @classmethod
    def _color(cls, value: str) -> str:
        return normalise_color(value)


class LabelUpdate(_Body):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    color: str | None = None

    @field_validator("color")
    @classmethod
    def _color(cls, value: str | None) -> str | None:
        return None if value is None else normalise_color(value)


class LabelOut(BaseModel):
    id: uuid.UUID
    name: str
    color: str
    created_at: datetime


class TypeCreate(_Body):
    name: str = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=2000)


class TypeUpdate(_Body):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=2000)


class TypeOut(BaseModel):
    id: uuid.UUID
    name: str
    description: str
    created_at: datetime
