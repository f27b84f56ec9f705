"""Every service's OpenAPI tells the whole truth: besides each route's own answers, the problems any
operation can give, from what the route declares (credentials, path parameters, a body), in the one
problem shape, and the credentials it needs."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from starlette.convertors import PathConvertor, StringConvertor

from helpdesk_common.auth import INTERNAL_TOKEN_HEADER
from helpdesk_common.http.problems import PROBLEM_MEDIA_TYPE

Document = dict[str, Any]
Requirement = list[dict[str, list[str]]]

PROBLEM_REF = "#/components/schemas/Problem"
PROBLEM_CONTENT: Document = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": PROBLEM_REF}}}
PROBLEM_SCHEMA: Document = {
    "title": "Problem",
    "description": "RFC 9457 problem details: the shape of every error answer of every service. "
    "Extensions (such as `errors`, `flag`, `any_of` or `reason`) travel as further members.",
    "type": "object",
    "properties": {
        "type": {"type": "string", "format": "uri-reference", "default": "about:blank"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 100, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string", "format": "uri-reference"},
        "errors": {
            "type": "array",
            "description": "For validation failures: each field that is wrong.",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
    "required": ["type", "title", "status", "detail"],
    "additionalProperties": True,
}
SAFE_METHODS = frozenset({"get", "head", "options"})
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
RETRY_AFTER: Document = {
    "Retry-After": {"description": "Seconds to wait before trying again.", "schema": {"type": "integer"}}
}
IDEMPOTENCY_HEADER = "idempotency-key"
# FastAPI's own description of a validation failure, which this platform answers as a problem.
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")
_FASTAPI_VALIDATION_DESCRIPTION = "Validation Error"


@dataclass(frozen=True)
class Authentication:
    """The credentials an app's operations take: the schemes, and which of them a safe request
    (GET, HEAD, OPTIONS) or a write needs, each a list of alternatives as OpenAPI writes them."""

    schemes: Document
    safe: Requirement
    writes: Requirement

    def requirement(self, method: str) -> Requirement:
        return copy.deepcopy(self.safe if method in SAFE_METHODS else self.writes)


INTERNAL_TOKEN = Authentication(
    schemes={
        "internalToken": {
            "type": "apiKey",
            "in": "header",
            "name": INTERNAL_TOKEN_HEADER,
            "description": "The gateway's short-lived token naming the operator; only the gateway mints it.",
        }
    },
    safe=[{"internalToken": []}],
    writes=[{"internalToken": []}],
)


def problem(description: str, **extra: Any) -> Document:
    """An OpenAPI response answered as problem details."""
    return {
        "description": description,
        "content": copy.deepcopy(PROBLEM_CONTENT),
        **extra,
    }


GENERIC_PROBLEMS: dict[str, Document] = {
    "400": problem("The body cannot be read as the type it declares (e.g. not UTF-8)."),
    "401": problem("No credentials were sent, or they are unknown, expired or revoked."),
    "403": problem(
        "Not allowed: a permission flag is missing (`flag` names it; `any_of` lists them when one of "
        "several would do), a cookie-authenticated write lacks its CSRF token, or the module is "
        "switched off (`reason`)."
    ),
    "404": problem("Nothing is there, or the caller may not see it."),
    "409": problem("The first request with this `Idempotency-Key` is still running; try again."),
    "413": problem("The body is larger than this operation accepts."),
    "422": problem("The request is not valid: `errors` names each field that is wrong and why."),
    "503": problem(
        "A store the service needs is briefly unavailable (e.g. a database restarting); try again.",
        headers=RETRY_AFTER,
    ),
}


def install_openapi(app: FastAPI, authentication: Authentication = INTERNAL_TOKEN) -> None:
    """`app.openapi()` (and so /openapi.json) answers FastAPI's document with every operation's
    generic problems and credentials added. An operation with `security: []` (openapi_extra) is public."""
    generate = FastAPI.openapi.__get__(app)

    def openapi() -> Document:
        return describe(app, copy.deepcopy(generate()), authentication)

    app.openapi = openapi  # type: ignore[method-assign]


def describe(app: FastAPI, document: Document, authentication: Authentication) -> Document:
    for method, operation in _operations(document):
        _describe_operation(operation, method, authentication)
    _add_path_patterns(app, document)
    components = document.setdefault("components", {})
    components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    components["securitySchemes"] = {**components.get("securitySchemes", {}), **authentication.schemes}
    for name in _FASTAPI_VALIDATION_SCHEMAS:
        if f"#/components/schemas/{name}" not in str(document["paths"]):
            components["schemas"].pop(name, None)
    return document


def _describe_operation(operation: Document, method: str, authentication: Authentication) -> None:
    responses = operation.setdefault("responses", {})
    for code in _generic_codes(operation):
        if responses.get(code, {}).get("description") in (None, _FASTAPI_VALIDATION_DESCRIPTION):
            responses[code] = copy.deepcopy(GENERIC_PROBLEMS[code])
    for code, response in responses.items():
        if code[0] in "45":
            response["content"] = copy.deepcopy(PROBLEM_CONTENT)
    operation["responses"] = dict(sorted(responses.items()))
    if not is_public(operation):
        operation["security"] = authentication.requirement(method)


def _generic_codes(operation: Document) -> list[str]:
    codes = ["503"]
    parameters = operation.get("parameters", [])
    if not is_public(operation):
        codes += ["401", "403"]
    if any(parameter["in"] == "path" for parameter in parameters):
        codes.append("404")
    if "requestBody" in operation:
        codes += ["400", "413", "422"]
    if parameters:
        codes.append("422")
    if any(
        parameter["in"] == "header" and parameter["name"].lower() == IDEMPOTENCY_HEADER
        for parameter in parameters
    ):
        codes.append("409")
    return codes


def _add_path_patterns(app: FastAPI, document: Document) -> None:
    """A path parameter matched by a convertor of its own (such as a ticket number's) has that shape;
    anything else in its place finds no route at all."""
    for route in iter_route_contexts(app.routes):
        item = document["paths"].get(route.path_format or "", {})
        convertors = getattr(route, "param_convertors", {})
        for method in route.methods or ():
            for parameter in item.get(method.lower(), {}).get("parameters", []):
                convertor = convertors.get(parameter["name"]) if parameter["in"] == "path" else None
                if convertor is not None and not isinstance(convertor, StringConvertor | PathConvertor):
                    parameter.setdefault("schema", {})["pattern"] = f"^(?:{convertor.regex})$"


def _operations(document: Document) -> list[tuple[str, Document]]:
    return [
        (method, item[method])
        for item in document.get("paths", {}).values()
        for method in METHODS
        if method in item
    ]


def is_public(operation: Document) -> bool:
    return operation.get("security") == []
