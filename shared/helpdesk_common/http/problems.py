"""RFC 9457 problem details: one response shape for every error in every service."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from helpdesk_common.errors import HelpdeskError

PROBLEM_MEDIA_TYPE = "application/problem+json"


def problem_response(
    status: int, title: str, detail: str, problem_type: str = "about:blank", **extensions: Any
) -> JSONResponse:
    body: dict[str, Any] = {"type": problem_type, "title": title, "status": status, "detail": detail}
    body.update(extensions)
    if isinstance(body.get("instance"), str):
        # A URI reference, as RFC 9457 has it: the request's path encoded again as it travelled.
        body["instance"] = quote(body["instance"], safe="/:@!$&'()*+,;=", errors="replace")
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE)


async def _on_helpdesk_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HelpdeskError)
    response = problem_response(
        error.status_code,
        error.title,
        error.detail,
        error.problem_type,
        instance=request.url.path,
        **error.extensions,
    )
    response.headers.update(error.headers)
    return response


async def _on_validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    errors = [
        {
            "field": ".".join(str(part) for part in _without_location(issue["loc"])) or "body",
            "message": _message(issue),
        }
        for issue in error.errors()
    ]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return problem_response(
        422,
        "Validation failed",
        detail,
        "urn:helpdesk:problem:validation",
        instance=request.url.path,
        errors=errors,
    )


def _message(issue: Any) -> str:
    """Pydantic's message without its "Value error, " prefix; a missing field is "<Field> is required"."""
    if issue["type"] == "missing" and issue["loc"]:
        return f"{str(issue['loc'][-1]).replace('_', ' ').capitalize()} is required"
    if issue["type"] in ("value_error", "assertion_error") and "error" in issue.get("ctx", {}):
        return str(issue["ctx"]["error"])
    return str(issue["msg"])


def _without_location(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """`("query", "tab")` names the field `tab`: the caller knows where they sent it."""
    return loc[1:] if loc and loc[0] in ("body", "query", "path", "header", "cookie") else loc


async def _on_http_exception(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    return problem_response(
        error.status_code, str(error.detail), str(error.detail), instance=request.url.path
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(HelpdeskError, _on_helpdesk_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)
