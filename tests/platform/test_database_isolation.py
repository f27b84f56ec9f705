"""Each service connects with its own role, which has no rights on any other schema."""

from __future__ import annotations

import asyncpg
import pytest
from alembic.script import ScriptDirectory

from helpdesk_cli.services import all_services
from helpdesk_common.db import libpq_url
from helpdesk_common.migrations import alembic_config
from helpdesk_common.testing.plugin import TestDatabase


async def test_a_service_role_owns_its_schema_and_cannot_touch_another(database: TestDatabase) -> None:
    services = all_services()
    ticketing_url = await database.add_service(services["ticketing"])
    await database.add_service(services["gateway"])

    connection = await asyncpg.connect(libpq_url(ticketing_url))
    try:
        assert await connection.fetchval("SELECT current_user") == "helpdesk_ticketing"
        assert await connection.fetchval("SHOW search_path") == "ticketing"
        # Its own schema: migrations ran as this role, so it owns the tables.
        assert await connection.fetchval("SELECT count(*) FROM ticketing.outbox") == 0
        owner = await connection.fetchval(
            "SELECT tableowner FROM pg_tables WHERE schemaname = 'ticketing' AND tablename = 'outbox'"
        )
        assert owner == "helpdesk_ticketing"
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await connection.fetchval("SELECT count(*) FROM identity.outbox")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await connection.execute("CREATE TABLE identity.intruder (id int)")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await connection.execute("CREATE TABLE public.intruder (id int)")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await connection.execute("CREATE ROLE intruder")
    finally:
        await connection.close()


async def test_migrations_keep_their_version_table_in_the_service_schema(database: TestDatabase) -> None:
    definition = all_services()["sla-engine"]
    url = await database.add_service(definition)
    await database.add_service(definition)  # a second run is a no-op, not an error
    script = ScriptDirectory.from_config(
        alembic_config(migrations_dir=definition.migrations_dir, url=url, schema="sla", role=None)
    )
    connection = await asyncpg.connect(libpq_url(url))
    try:
        versions = [
            row["version_num"]
            for row in await connection.fetch("SELECT version_num FROM sla.alembic_version")
        ]
        applied = {revision.revision for revision in script.iterate_revisions(tuple(versions), "base")}
        assert set(script.get_heads()) <= applied
        public_tables = await connection.fetchval(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        )
        assert public_tables == 0
    finally:
        await connection.close()
