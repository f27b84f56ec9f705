"""Bodies of the templates API; `type` is the table's `kind` (Email or Ticket)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, field_validator

from helpdesk_common.bodies import MAX_BODY_BYTES, BodyFormat
from helpdesk_common.inputs import BodyText, NotNull, RequestModel

TemplateType = Literal["email", "ticket"]


def bounded_body(value: str) -> str:
    if len(value.encode()) > MAX_BODY_BYTES:
        raise ValueError(f"a body is at most {MAX_BODY_BYTES // 1024} KiB")
    return value


class TemplateCreate(RequestModel):
    name: str = Field(min_length=1, max_length=200)
    type: TemplateType = Field(description="email (outbound replies) or ticket (notes, new tickets)")
    subject: str = Field(default="", max_length=1000)
    body_format: BodyFormat = Field(
        default="html", description="The editor mode: html, rich_text (HTML from the editor), plain_text."
    )
    body: BodyText = Field(
        default="", description="Up to 512 KiB; stored as sanitised HTML plus a plain-text fallback."
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value:
            raise ValueError("a template needs a name")
        return value

    @field_validator("body")
    @classmethod
    def _body(cls, value: str) -> str:
        return bounded_body(value)


class TemplateUpdate(RequestModel):
    """A new `body` comes with its `body_format`; the two are rendered together."""

    name: Annotated[str | None, NotNull] = Field(default=None, max_length=200)
    type: Annotated[TemplateType | None, NotNull] = None
    subject: Annotated[str | None, NotNull] = Field(default=None, max_length=1000)
    body_format: Annotated[BodyFormat | None, NotNull] = None
    body: Annotated[BodyText | None, NotNull] = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        if value is not None and not value:
            raise ValueError("a template needs a name")
        return value

    @field_validator("body")
    @classmethod
    def _body(cls, value: str | None) -> str | None:
        return None if value is None else bounded_body(value)


class TemplateSummary(BaseModel):
    """A row of the list (Name, Type, Subject, Author, Date); the bodies come with the detail."""

    id: uuid.UUID
    name: str
    type: TemplateType
    subject: str
    author_id: uuid.UUID | None
    author_name: str
    created_at: datetime
    updated_at: datetime


class TemplateOut(TemplateSummary):
    body_html: str
    body_text: str
