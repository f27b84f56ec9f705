"""A pooled connection whose server side went away (a PostgreSQL restart, a terminated backend) is not
handed out again: the next user gets a new one, on the driver's hot paths as through SQLAlchemy."""

from __future__ import annotations

import asyncpg

from helpdesk_cli.services import all_services
from helpdesk_common.db import autocommit_connection, create_engine, libpq_url
from helpdesk_common.testing.plugin import TestDatabase
from tests.backbone.harness import eventually


async def _terminate(admin_url: str, backend: int) -> None:
    connection = await asyncpg.connect(libpq_url(admin_url))
    try:
        await connection.execute("SELECT pg_terminate_backend($1)", backend)
    finally:
        await connection.close()


async def test_a_driver_connection_lost_while_pooled_is_replaced_at_checkout(database: TestDatabase) -> None:
    url = await database.add_service(all_services()["gateway"])
    engine = create_engine(url, schema="identity", pool_size=1)
    try:
        async with autocommit_connection(engine) as driver:
            lost = driver
            backend = await driver.fetchval("SELECT pg_backend_pid()")
        await _terminate(database.url, backend)

        async def noticed() -> bool:
            return lost.is_closed()

        # The driver learns of it from the socket, with nobody using the connection.
        await eventually(noticed, within=10, what="the pooled connection to be seen closed")
        for _ in range(3):
            async with autocommit_connection(engine) as driver:
                assert await driver.fetchval("SELECT pg_backend_pid()") != backend
    finally:
        await engine.dispose()
