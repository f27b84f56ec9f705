"""Bodies of the labels and types API."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, field_validator

from helpdesk_common.inputs import NotNull, RequestModel

COLOR = re.compile(r"^#(?:[0-9a-f]{3}|[0-9a-f]{6})$")


def normalise_color(value: str) -> str:
    color = value.strip().lower()
    if not COLOR.match(color):
        raise ValueError("a colour is a hex value such as #e11d48 or #fc0")
    if len(color) == 4:
        color = "#" + "".join(digit * 2 for digit in color[1:])
    return color


class LabelCreate(RequestModel):
    name: str = Field(min_length=1, max_length=100)
    color: str

    @field_validator("color")
    @classmethod
    def _color(cls, value: str) -> str:
        return normalise_color(value)


class LabelUpdate(RequestModel):
    name: Annotated[str | None, NotNull] = Field(default=None, min_length=1, max_length=100)
    color: Annotated[str | None, NotNull] = None

    @field_validator("color")
    @classmethod
    def _color(cls, value: str) -> str:
        return normalise_color(value)


class LabelOut(BaseModel):
    id: uuid.UUID
    name: str
    color: str
    created_at: datetime


class TypeCreate(RequestModel):
    name: str = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=2000)


class TypeUpdate(RequestModel):
    name: Annotated[str | None, NotNull] = Field(default=None, min_length=1, max_length=100)
    description: Annotated[str | None, NotNull] = Field(default=None, max_length=2000)


class TypeOut(BaseModel):
    id: uuid.UUID
    name: str
    description: str
    created_at: datetime
