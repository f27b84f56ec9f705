"""The mailbox's health on its row, for administrators: when it was last polled and last succeeded,
its last error (in the server's words), the messages waiting, whether its credentials fail. Written
only by the lease's holder."""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from mail_gateway.connections.endpoint import ServerRefused

_ERROR_LENGTH = 1000

_SUCCEEDED = text(
    "UPDATE mailboxes SET last_poll_at = now(), last_success_at = now(), messages_waiting = :waiting, "
    "credentials_failing = false WHERE department_id = :department_id AND lease_holder = :holder"
)
_FAILED = text(
    "UPDATE mailboxes SET last_poll_at = now(), last_error = :error, last_error_at = now(), "
    "credentials_failing = :credentials, messages_waiting = coalesce(:waiting, messages_waiting) "
    "WHERE department_id = :department_id AND lease_holder = :holder"
)


async def succeeded(engine: AsyncEngine, *, department_id: uuid.UUID, holder: str, waiting: int) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            _SUCCEEDED, {"department_id": department_id, "holder": holder, "waiting": waiting}
        )


async def failed(
    engine: AsyncEngine, *, department_id: uuid.UUID, holder: str, error: BaseException, waiting: int | None
) -> None:
    credentials = isinstance(error, ServerRefused) and error.credentials
    async with engine.begin() as connection:
        await connection.execute(
            _FAILED,
            {
                "department_id": department_id,
                "holder": holder,
                "error": describe(error),
                "credentials": credentials,
                "waiting": waiting,
            },
        )


def describe(error: BaseException) -> str:
    """What an administrator reads: the server's words, or the error's own; never a statement's
    parameters (a database error would carry the message's bytes)."""
    if isinstance(error, ServerRefused):
        words = f"{error.stage}: {error.words}"
    else:
        original = getattr(error, "orig", None)
        words = f"{type(original or error).__name__}: {original or error}"
    return words.replace("\x00", "")[:_ERROR_LENGTH]
