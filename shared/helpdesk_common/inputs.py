"""The rules every request model of every service shares: unknown members refused, text trimmed,
NUL characters refused in text (PostgreSQL cannot store them) and stripped from message bodies, and
PATCH fields that may be left out but never cleared; and the values several services read the same
way (IANA time zones, dates as YYYY-MM-DD, local clock times as HH:MM)."""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from typing import Annotated, Any
from zoneinfo import available_timezones

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    StringConstraints,
    field_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

NUL = "\x00"


def _contains_nul(value: object) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, list | tuple | set | frozenset):
        return any(_contains_nul(item) for item in value)
    if isinstance(value, dict):
        return any(_contains_nul(key) or _contains_nul(item) for key, item in value.items())
    return False


def refuse_nul(value: Any) -> Any:
    if _contains_nul(value):
        raise PydanticCustomError("nul_character", "Text may not contain NUL characters.")
    return value


def strip_nul(value: Any) -> Any:
    """Strings, and strings in lists, without their NUL characters; anything else as it is."""
    if isinstance(value, str):
        return value.replace(NUL, "")
    if isinstance(value, list):
        return [strip_nul(item) for item in value]
    return value


class RequestModel(BaseModel):
    """The base of every request body and query model. A nested model is checked by its own class,
    so it must derive from this one too."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra=lambda schema, _: _no_null_defaults(schema),
    )

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return refuse_nul(value)


# A message body (comment, description, template): whatever NUL characters it carries are dropped,
# as a mail client does, instead of refusing what an operator pasted from a log.
BodyText = Annotated[str, BeforeValidator(strip_nul)]

# Text kept exactly as typed, spaces included: a password.
Verbatim = StringConstraints(strip_whitespace=False)

# A text parameter of a query string (the model above covers bodies and query models), such as
# `search: Annotated[QueryText, Query(max_length=200)] = None`.
QueryText = Annotated[str | None, BeforeValidator(refuse_nul)]


class _NotNull:
    """Explicit null is refused (422 naming the field); a field left out keeps its value. The JSON
    schema says so: no null among the field's types."""

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> core_schema.CoreSchema:
        return core_schema.no_info_before_validator_function(_refuse_null, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        options = json_schema.get("anyOf")
        if isinstance(options, list):
            kept = [option for option in options if option != {"type": "null"}]
            json_schema.pop("anyOf")
            json_schema.update(kept[0] if len(kept) == 1 else {"anyOf": kept})
        return json_schema


def _no_null_defaults(schema: dict[str, Any]) -> None:
    """A NotNull field's default (None: "left out") is not a value it may take, so it is not shown."""
    for field_schema in schema.get("properties", {}).values():
        if field_schema.get("default", ...) is not None:
            continue
        if field_schema.get("type") != "null" and {"type": "null"} not in field_schema.get("anyOf", []):
            del field_schema["default"]


def _refuse_null(value: Any) -> Any:
    if value is None:
        raise PydanticCustomError("not_null", "May not be null: leave the field out to keep its value.")
    return value


# For PATCH models: `title: Annotated[str | None, NotNull] = Field(default=None, ...)`.
NotNull = _NotNull()


@cache
def _time_zones() -> frozenset[str]:
    # "localtime" names whatever zone the host is set to, not a zone of the IANA database.
    return frozenset(available_timezones() - {"localtime"})


def known_time_zone(value: str) -> str:
    """A name of the IANA database as the process knows it (the tzdata package where the system has
    none), checked against the list rather than opened, so no name reaches the file system."""
    if value not in _time_zones():
        raise ValueError("not a time zone of the IANA database, such as Europe/Berlin")
    return value


TimeZone = Annotated[
    str,
    Field(min_length=1, max_length=64, description="An IANA time zone.", examples=["Europe/Berlin"]),
    AfterValidator(known_time_zone),
]

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date_text(value: object) -> object:
    # Bodies reach the model parsed, so a strict date would refuse the text; lax would take timestamps.
    if not isinstance(value, str) or _DATE.fullmatch(value) is None:
        raise PydanticCustomError("date_format", "Input should be a date as YYYY-MM-DD")
    return value


# A calendar date written YYYY-MM-DD, and nothing else (no timestamps, no datetimes).
Day = Annotated[date, BeforeValidator(_date_text)]

# A local time of day, HH:MM on the 24-hour clock; an end may be 24:00, midnight at the day's end.
CLOCK_TIME_PATTERN = r"^(?:[01]\d|2[0-3]):[0-5]\d$"
CLOCK_END_PATTERN = r"^(?:(?:[01]\d|2[0-3]):[0-5]\d|24:00)$"
