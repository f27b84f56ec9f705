"""Errors no handler took: answered as problem details, and the connection kept open.

An exception that reaches the server makes it close the connection after its plain-text 500; a
proxy that reused that kept-alive connection for the next request would fail that one too. So
nothing escapes this layer once an answer is complete. The database being away (a restart, a
failover, a full pool) is no fault of the request: 503 with Retry-After, which clients may retry.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import asyncpg
from sqlalchemy import exc as sqlalchemy_errors
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from helpdesk_common.http.problems import problem_response

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 2
# Connection exceptions (08), operator intervention (57P: shutdown, crash, starting up), too many
# connections (53300): the server, not the request, is the problem.
_UNAVAILABLE_STATES = ("08", "57P", "53300")
# NUL and other characters the database encoding cannot hold.
_UNSTORABLE_STATES = ("22021", "22P05")


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending += [getattr(current, "orig", None), current.__cause__, current.__context__]


def _sqlstates(error: BaseException) -> list[str]:
    return [state for item in _chain(error) if isinstance(state := getattr(item, "sqlstate", None), str)]


def database_unavailable(error: BaseException) -> bool:
    if any(state.startswith(_UNAVAILABLE_STATES) for state in _sqlstates(error)):
        return True
    for item in _chain(error):
        if isinstance(item, sqlalchemy_errors.DBAPIError) and item.connection_invalidated:
            return True
        # Refused or reset connections, a connection closed under the driver, a pool with none free.
        if isinstance(item, ConnectionError | asyncpg.InterfaceError | sqlalchemy_errors.TimeoutError):
            return True
    return False


def text_unstorable(error: BaseException) -> bool:
    return any(state in _UNSTORABLE_STATES for state in _sqlstates(error))


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
            await _answer(error, scope, receive, send)


async def _answer(error: Exception, scope: Scope, receive: Receive, send: Send) -> None:
    path = scope["path"]
    if database_unavailable(error):
        log.warning("%s %s: the database is unavailable (%r)", scope["method"], path, error)
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
        log.exception("%s %s failed", scope["method"], path)
        response = problem_response(
            500,
            "Internal Server Error",
            "The service failed on this request; the failure is logged.",
            "urn:helpdesk:problem:internal",
            instance=path,
        )
    await response(scope, receive, send)
