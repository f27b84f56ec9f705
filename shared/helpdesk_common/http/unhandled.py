"""Errors no handler took: answered as problem details, and the connection kept open.

An exception that reaches the server makes it close the connection after its plain-text 500; a
proxy that reused that kept-alive connection for the next request would fail that one too. So
nothing escapes this layer once an answer is complete. The database being away (a restart, a
failover, a full pool) is no fault of the request: 503 with Retry-After, which clients may retry.
"""

from __future__ import annotations

import logging

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from helpdesk_common.db import database_unavailable, text_unstorable
from helpdesk_common.http.problems import problem_response

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 2


class UnhandledErrors:
    """Innermost of the shared layers, so what it logs carries the request's trace."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = {"started": False, "complete": False}

        async def tracked_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["started"] = True
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                state["complete"] = True
            await send(message)

        try:
            await self.app(scope, receive, tracked_send)
        except Exception as error:
            if state["started"] and not state["complete"]:
                raise  # half an answer: only closing the connection tells the client
            if state["complete"]:
                log.exception("%s %s failed after its answer", scope["method"], scope["path"])
                return
            await unhandled_problem(error, scope["method"], scope["path"])(scope, receive, send)


def unhandled_problem(error: Exception, method: str, path: str) -> JSONResponse:
    """The answer to an error no handler took (logged here): 503, 422 or 500."""
    if database_unavailable(error):
        log.warning("%s %s: the database is unavailable (%r)", method, path, error)
        response = problem_response(
            503,
            "Service unavailable",
            "The database is not reachable right now; nothing was changed. Try again shortly.",
            "urn:helpdesk:problem:database-unavailable",
            instance=path,
        )
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    elif text_unstorable(error):
        response = problem_response(
            422,
            "Validation failed",
            "The text contains a character that cannot be stored (such as NUL).",
            "urn:helpdesk:problem:validation",
            instance=path,
        )
    else:
        log.error("%s %s failed", method, path, exc_info=error)
        response = problem_response(
            500,
            "Internal Server Error",
            "The service failed on this request; the failure is logged.",
            "urn:helpdesk:problem:internal",
            instance=path,
        )
    return response
