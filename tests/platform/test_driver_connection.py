"""The driver connection used on hot paths shares the session's transaction: it commits and rolls
back with it, and a statement sent through it first still runs inside that transaction."""

from __future__ import annotations

import uuid

import asyncpg

from helpdesk_cli.services import all_services
from helpdesk_common.contracts.identity import OperatorData, OperatorRemoved, OperatorSnapshot
from helpdesk_common.db import create_engine, create_session_factory, driver_connection, libpq_url
from helpdesk_common.outbox import add_event
from helpdesk_common.testing.plugin import TestDatabase


def _event() -> OperatorRemoved:
    operator = OperatorSnapshot(
        id=uuid.uuid4(), username="ada", email="ada@example.com", display_name="Ada", active=False
    )
    return OperatorRemoved.build(source="test", subject="operator", data=OperatorData(operator=operator))


async def _outbox_ids(url: str) -> list[uuid.UUID]:
    connection = await asyncpg.connect(libpq_url(url))
    try:
        return [row[0] for row in await connection.fetch("SELECT event_id FROM outbox ORDER BY id")]
    finally:
        await connection.close()


async def test_outbox_rows_written_through_the_driver_follow_the_session(database: TestDatabase) -> None:
    url = await database.add_service(all_services()["gateway"])
    engine = create_engine(url, schema="identity", pool_size=1)
    sessions = create_session_factory(engine)
    kept, dropped = _event(), _event()
    try:
        async with sessions() as session:
            # First statement of the transaction goes straight to the driver.
            await add_event(session, dropped)
            assert await (await driver_connection(session)).fetchval("SELECT count(*) FROM outbox") == 1
            await session.rollback()
        assert await _outbox_ids(url) == []

        async with sessions() as session:
            await add_event(session, kept)
            # Not visible outside until the session commits: it really is one open transaction.
            assert await _outbox_ids(url) == []
            await session.commit()
        assert await _outbox_ids(url) == [kept.id]
    finally:
        await engine.dispose()
