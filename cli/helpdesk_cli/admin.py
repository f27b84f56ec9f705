"""`helpdesk admin`: the first administrator, and clearing sign-in locks, written straight into the
identity schema."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.identity.operators.bootstrap import create_administrator
from gateway.identity.operators.schemas import OperatorOut
from gateway.identity.signin.service import clear_locks
from gateway.identity.signin.throttle import ClearedThrottle
from gateway.main import service as gateway
from helpdesk_common.db import create_engine, create_session_factory, libpq_url

# PostgreSQL's codes for a database, schema or table that is not there.
NOT_MIGRATED = frozenset({"3D000", "3F000", "42P01"})
# Its classes of errors in connecting and signing in.
UNREACHABLE = ("08", "28")


class DatabaseNotReady(Exception):
    """The identity schema cannot be reached or is not there yet; the message says what to do."""


async def create_administrator_account(
    url: str, username: str, email: str, display_name: str, password: str
) -> OperatorOut:
    async with identity_session(url) as session:
        operator = await create_administrator(
            session, username=username, email=email, display_name=display_name, password=password
        )
        await session.commit()
        return operator


async def unlock_sign_ins(url: str, *, username: str | None, address: str | None) -> list[ClearedThrottle]:
    async with identity_session(url) as session:
        cleared = await clear_locks(session, username=username, address=address)
        await session.commit()
        return cleared


def described(error: ValidationError) -> str:
    """Each field and what is wrong with it, never the value given (it may be a password)."""
    return "; ".join(
        f"{'.'.join(str(part) for part in issue['loc']) or 'input'}: {issue['msg']}"
        for issue in error.errors(include_input=False, include_url=False)
    )


@asynccontextmanager
async def identity_session(url: str) -> AsyncIterator[AsyncSession]:
    engine = create_engine(url, schema=gateway.schema, pool_size=1)
    where = make_url(libpq_url(url))
    try:
        async with create_session_factory(engine)() as session:
            yield session
    except DBAPIError as error:
        code = str(getattr(error.orig, "sqlstate", ""))
        if code in NOT_MIGRATED:
            raise DatabaseNotReady(
                f"the identity schema is not in database {where.database!r} at {where.host}:{where.port} "
                "yet: run `helpdesk migrate` first"
            ) from error
        if code.startswith(UNREACHABLE):
            raise DatabaseNotReady(
                f"PostgreSQL at {where.host}:{where.port} refused: {error.orig}"
            ) from error
        raise
    except OSError as error:
        raise DatabaseNotReady(f"cannot reach PostgreSQL at {where.host}:{where.port}: {error}") from error
    finally:
        await engine.dispose()
