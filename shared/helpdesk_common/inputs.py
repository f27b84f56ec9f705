"""The rules every request model of every service shares: unknown members refused, text trimmed,
NUL characters refused in text (PostgreSQL cannot store them) and stripped from message bodies, and
PATCH fields that may be left out but never cleared."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
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
