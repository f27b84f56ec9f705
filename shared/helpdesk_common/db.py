"""The async engine of one service: its own role, its own schema, nothing else."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import asyncpg
from fastapi import Depends, Request
from sqlalchemy import event
from sqlalchemy import exc as sqlalchemy_errors
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection
from sqlalchemy.util import greenlet_spawn


def async_url(url: str) -> str:
    """Accept plain `postgresql://` URLs (as every other tool writes them) and use asyncpg."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    return parsed.render_as_string(hide_password=False)


def libpq_url(url: str) -> str:
    """The same server as a libpq/asyncpg DSN (no SQLAlchemy driver suffix)."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def create_engine(url: str, *, schema: str, pool_size: int = 10) -> AsyncEngine:
    # search_path pins unqualified names to the service's schema; the role's grants,
    # not this setting, are what keep a service out of other schemas.
    engine = create_async_engine(
        async_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        # No pre-ping: with asyncpg it costs three round trips per checkout, a loss `make
        # bench-backbone` shows. A connection the server closed (a restart) is replaced at checkout
        # instead (_replace_lost), without a round trip.
        pool_pre_ping=False,
        connect_args={"server_settings": {"search_path": schema, "application_name": schema}},
    )
    event.listen(engine.sync_engine, "checkout", _replace_lost)
    return engine


def _replace_lost(dbapi_connection: Any, record: ConnectionPoolEntry, proxy: PoolProxiedConnection) -> None:
    # The driver's hot paths (autocommit_connection) never show SQLAlchemy their errors, so nothing
    # else would invalidate a connection the server closed while it sat in the pool.
    if record.driver_connection is not None and record.driver_connection.is_closed():
        raise sqlalchemy_errors.DisconnectionError("the server closed this pooled connection")


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def _request_session(request: Request) -> AsyncIterator[AsyncSession]:
    factory: async_sessionmaker[AsyncSession] = request.app.state.session_factory
    async with factory() as session:
        yield session


# Routes commit explicitly before answering: "201 means committed" (STYLE.md).
Session = Annotated[AsyncSession, Depends(_request_session)]


@asynccontextmanager
async def autocommit_connection(engine: AsyncEngine) -> AsyncIterator[asyncpg.Connection]:  # type: ignore[type-arg]
    """A pooled driver connection with no transaction open: every statement commits on its own. For a
    write that is one statement (atomic by itself), it saves the BEGIN and COMMIT round trips.

    Taken from the pool without a SQLAlchemy Connection around it: nothing here goes through
    SQLAlchemy, and building and closing one is a cost `make bench-tickets` shows."""
    pooled = await engine.raw_connection()
    try:
        yield pooled.driver_connection  # type: ignore[misc]
    except BaseException as error:
        # SQLAlchemy would notice a broken connection on its own path; on this one nothing does, and
        # a connection left mid-statement by a lost server or a cancelled task must not be reused.
        if not isinstance(error, asyncpg.PostgresError) or database_unavailable(error):
            await greenlet_spawn(pooled.invalidate)
        raise
    finally:
        # Back to the pool; its reset on return may talk to the driver, which wants a greenlet.
        await greenlet_spawn(pooled.close)


async def driver_connection(bind: AsyncSession | AsyncConnection) -> asyncpg.Connection[Any]:
    """The asyncpg connection under `bind`, inside the same transaction (begun here if it was not).

    For the few hot paths (outbox, inbox, ticket creation), where a statement through SQLAlchemy costs
    several times its CPU through asyncpg (`make bench-tickets`, `make bench-backbone`). Whatever
    runs on it commits or rolls back with the session or connection it came from.
    """
    connection = bind if isinstance(bind, AsyncConnection) else await bind.connection()
    if not connection.in_transaction():
        # So that the connection's commit() really commits what is sent to the driver.
        await connection.begin()
    adapter = (await connection.get_raw_connection()).dbapi_connection
    # SQLAlchemy's asyncpg adapter sends BEGIN lazily, with its first statement; a statement sent
    # straight to the driver before that would run outside the transaction.
    if adapter._transaction is None:  # type: ignore[union-attr]
        await adapter._start_transaction()  # type: ignore[union-attr]
    return adapter._connection  # type: ignore[union-attr, no-any-return]


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
        # Refused or reset connections, a connection closed under the driver, a pool with none free;
        # and asyncpg's protocol left mid-operation ("another operation is in progress") when the
        # server terminated the connection between two statements of a request (a restart).
        if isinstance(
            item,
            ConnectionError
            | asyncpg.InterfaceError
            | asyncpg.InternalClientError
            | sqlalchemy_errors.TimeoutError,
        ):
            return True
    return False


def text_unstorable(error: BaseException) -> bool:
    return any(state in _UNSTORABLE_STATES for state in _sqlstates(error))


class Positions:
    """The numbered parameters of a statement sent straight to the driver, by name:
    `p = Positions("ticket_id", "title")`, then `f"VALUES ({p.ticket_id}, {p.title})"` in the SQL and
    `p.values(ticket_id=..., title=...)` for the call; `p.following` numbers what comes after them
    (an `outbox_insert`), so no position is counted by hand."""

    def __init__(self, *names: str) -> None:
        self._names = names
        self._positions = {name: f"${number}" for number, name in enumerate(names, 1)}

    def __getattr__(self, name: str) -> str:
        try:
            return self._positions[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def following(self) -> int:
        return len(self._names) + 1

    def values(self, **given: Any) -> list[Any]:
        if given.keys() != self._positions.keys():
            raise TypeError(f"parameters {sorted(set(self._names) ^ set(given))} missing or unknown")
        return [given[name] for name in self._names]
