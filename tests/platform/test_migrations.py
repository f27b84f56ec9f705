"""Migrations are history. For every service, a schema migrated from its oldest revision, one
migrated fresh and one created from the code's tables (`create_all`) are the same in pg_catalog; and
a schema that main migrated before the shared messaging chain existed upgrades with nothing
re-created or lost."""

from __future__ import annotations

import asyncio
import os
import secrets
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from alembic import command
from alembic.script import Script, ScriptDirectory

from helpdesk_cli.services import all_services
from helpdesk_common.db import create_engine, libpq_url
from helpdesk_common.messaging_tables import messaging_metadata
from helpdesk_common.migrations import alembic_config
from helpdesk_common.provisioning import provision, with_database
from helpdesk_common.service import ServiceDefinition
from helpdesk_common.testing.infrastructure import TestServers
from helpdesk_common.testing.plugin import TestDatabase

SCHEMAS_AT_31C525F = Path(__file__).parent / "schemas_at_31c525f"
# What every service's first revision built when it was written (aedfeae), now through the messaging
# chain's first revision: outbox_retained came with a later one (2037d9a).
FIRST_TABLES = {"alembic_version", "outbox", "inbox", "dead_letters"}

_IN_SCHEMA = "(SELECT oid FROM pg_namespace WHERE nspname = $1)"
COLUMNS = f"""
SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull AS not_null, pg_get_expr(d.adbin, d.adrelid) AS default, a.attidentity AS identity,
       a.attgenerated AS generated
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE c.relnamespace = {_IN_SCHEMA} AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
"""
INDEXES = f"""
SELECT c.relname AS table, i.relname AS name, pg_get_indexdef(i.oid) AS definition
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid
WHERE c.relnamespace = {_IN_SCHEMA}
"""
CONSTRAINTS = f"""
SELECT c.relname AS table, k.conname AS name, k.contype AS kind, pg_get_constraintdef(k.oid) AS definition
FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
WHERE c.relnamespace = {_IN_SCHEMA}
"""
SEQUENCES = f"""
SELECT c.relname AS name, format_type(s.seqtypid, NULL) AS type, s.seqstart AS start,
       s.seqincrement AS increment, s.seqmin AS min, s.seqmax AS max, s.seqcache AS cache, s.seqcycle AS cycle
FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid
WHERE c.relnamespace = {_IN_SCHEMA}
"""
TRIGGERS = f"""
SELECT c.relname AS table, t.tgname AS name, pg_get_triggerdef(t.oid) AS definition
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
WHERE c.relnamespace = {_IN_SCHEMA} AND NOT t.tgisinternal
"""
# The schema's own functions, not those of an extension installed into it (pg_trgm in ticketing's).
FUNCTIONS = f"""
SELECT p.proname AS name, pg_get_functiondef(p.oid) AS definition
FROM pg_proc p
WHERE p.pronamespace = {_IN_SCHEMA}
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
"""
RELATIONS = f"SELECT relname, oid, relfilenode FROM pg_class WHERE relnamespace = {_IN_SCHEMA}"

# A row in each messaging table, as a running service leaves them between two relay runs.
MESSAGING_ROWS = """
INSERT INTO outbox (event_id, event_type, subject, payload)
VALUES (gen_random_uuid(), 'probe', 'probe.1', '\\x00');
INSERT INTO inbox (consumer, event_id) VALUES ('probe', gen_random_uuid());
INSERT INTO dead_letters (consumer, stream, stream_sequence, subject, reason, deliveries, payload)
VALUES ('probe', 'PROBE', 1, 'probe.1', 'not JSON', 5, '\\x00');
INSERT INTO outbox_retained (event_ids, subjects, payloads, headers)
VALUES (ARRAY[gen_random_uuid()], ARRAY['probe.1'], ARRAY['\\x00'::bytea], ARRAY['{}']);
"""

# The shape of the messaging chain's next revision: a column every schema's outbox gets.
LATER_MESSAGING_REVISION = """
import sqlalchemy as sa
from alembic import op

revision = "messaging_0003"
down_revision = "messaging_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("later", sa.Text()))


def downgrade() -> None:
    op.drop_column("outbox", "later")
"""

Section = dict[tuple[str, ...], tuple[Any, ...]]


@dataclass(frozen=True)
class Catalog:
    """A schema as pg_catalog describes it, keyed by table and name so that order does not matter."""

    columns: Section
    indexes: Section
    constraints: Section
    sequences: Section
    # Made by SQL of their own (the ticket counts' triggers), so the code's tables have none.
    triggers: Section = field(default_factory=dict)
    functions: Section = field(default_factory=dict)

    def differences(self, other: Catalog) -> dict[str, dict[tuple[str, ...], Any]]:
        """Per section, what only one of the two has or what they define differently."""
        found = {}
        for section in fields(self):
            mine, theirs = getattr(self, section.name), getattr(other, section.name)
            differing = {
                key: (mine.get(key), theirs.get(key))
                for key in mine.keys() | theirs.keys()
                if mine.get(key) != theirs.get(key)
            }
            if differing:
                found[section.name] = differing
        return found

    def tables(self) -> set[str]:
        return {table for table, _ in self.columns}

    def declared(self) -> Catalog:
        """What `create_all` of the code's tables can make: no version table, no triggers or functions."""

        def without_versions(section: Section) -> Section:
            return {key: value for key, value in section.items() if key[0] != "alembic_version"}

        return replace(
            self,
            columns=without_versions(self.columns),
            indexes=without_versions(self.indexes),
            constraints=without_versions(self.constraints),
            triggers={},
            functions={},
        )


@dataclass
class Databases:
    """Databases of this test on the session's server, dropped after it. One password per role for
    all of them: provisioning a database sets the role's password, which is the server's, not the
    database's."""

    admin_url: str
    names: list[str] = field(default_factory=list)
    passwords: dict[str, str] = field(default_factory=dict)

    async def provisioned(self, definition: ServiceDefinition) -> TestDatabase:
        database = TestDatabase(self.admin_url, f"migrations_{uuid.uuid4().hex[:12]}", self.passwords)
        self.names.append(database.name)
        password = self.passwords.setdefault(definition.database_role, secrets.token_urlsafe(16))
        await provision(self.admin_url, database.name, [definition.account(password)])
        return database

    async def migrated(self, definition: ServiceDefinition) -> TestDatabase:
        database = await self.provisioned(definition)
        await asyncio.to_thread(definition.migrate, database.url, as_role=True)
        return database

    async def created_from_the_code(self, definition: ServiceDefinition) -> TestDatabase:
        database = await self.provisioned(definition)
        engine = create_engine(database.url_for(definition), schema=definition.schema, pool_size=1)
        try:
            async with engine.begin() as connection:
                await connection.run_sync(definition.tables.create_all)
                await connection.run_sync(messaging_metadata.create_all)
        finally:
            await engine.dispose()
        return database


@pytest.fixture
async def databases(servers: TestServers) -> AsyncIterator[Databases]:
    made = Databases(servers.admin_url)
    yield made
    connection = await asyncpg.connect(with_database(servers.admin_url, "postgres"))
    try:
        for name in made.names:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


async def describe(database: TestDatabase, schema: str) -> Catalog:
    connection = await asyncpg.connect(libpq_url(database.url))
    try:

        async def section(query: str, key: int) -> Section:
            rows = await connection.fetch(query, schema)
            return {tuple(row.values())[:key]: tuple(row.values())[key:] for row in rows}

        return Catalog(
            columns=await section(COLUMNS, 2),
            indexes=await section(INDEXES, 2),
            constraints=await section(CONSTRAINTS, 2),
            sequences=await section(SEQUENCES, 1),
            triggers=await section(TRIGGERS, 2),
            functions=await section(FUNCTIONS, 1),
        )
    finally:
        await connection.close()


def own_revisions(definition: ServiceDefinition) -> list[Script]:
    """The revisions of the service's own chain (the messaging chain's are its dependencies)."""
    config = alembic_config(
        migrations_dir=definition.migrations_dir, url="", schema=definition.schema, role=None
    )
    scripts = ScriptDirectory.from_config(config).walk_revisions()
    return [script for script in scripts if Path(script.path).parent == definition.migrations_dir]


def oldest_revision(definition: ServiceDefinition) -> str:
    [oldest] = [script.revision for script in own_revisions(definition) if script.is_base]
    return oldest


def own_head(definition: ServiceDefinition) -> str:
    [head] = [script.revision for script in own_revisions(definition) if script.is_head]
    return head


@pytest.mark.parametrize("name", list(all_services()))
async def test_a_schema_migrated_from_its_oldest_revision_is_a_fresh_one_and_the_code_s_tables(
    name: str, databases: Databases
) -> None:
    definition = all_services()[name]
    stepped = await databases.provisioned(definition)
    config = alembic_config(
        migrations_dir=definition.migrations_dir,
        url=stepped.url,
        schema=definition.schema,
        role=definition.database_role,
    )
    await asyncio.to_thread(command.upgrade, config, oldest_revision(definition))
    assert (await describe(stepped, definition.schema)).tables() == FIRST_TABLES
    await asyncio.to_thread(definition.migrate, stepped.url, as_role=True)

    fresh = await describe(await databases.migrated(definition), definition.schema)
    assert (await describe(stepped, definition.schema)).differences(fresh) == {}
    from_the_code = await describe(await databases.created_from_the_code(definition), definition.schema)
    assert fresh.declared().differences(from_the_code) == {}


@pytest.mark.parametrize("name", sorted(path.stem for path in SCHEMAS_AT_31C525F.glob("*.sql")))
async def test_a_schema_main_migrated_before_the_messaging_chain_upgrades_with_nothing_recreated_or_lost(
    name: str, databases: Databases
) -> None:
    definition = all_services()[name]
    before = await databases.provisioned(definition)
    connection = await asyncpg.connect(libpq_url(before.url_for(definition)))
    try:
        await connection.execute((SCHEMAS_AT_31C525F / f"{name}.sql").read_text())
        await connection.execute(MESSAGING_ROWS)
        kept = await _contents(connection, definition.schema)

        await asyncio.to_thread(definition.migrate, before.url, as_role=True)

        # Revisions written since (ticketing's 0011) move the version and may add to the schema; what
        # was there keeps its identity and its rows.
        after = await _contents(connection, definition.schema)
        assert {name: after["relations"].get(name) for name in kept["relations"]} == kept["relations"]
        tables = [table for table in kept["rows"] if table != "alembic_version"]
        assert {table: after["rows"].get(table) for table in tables} == {t: kept["rows"][t] for t in tables}
        versions = await connection.fetch("SELECT version_num FROM alembic_version")
        assert [row["version_num"] for row in versions] == [own_head(definition)]
    finally:
        await connection.close()
    fresh = await describe(await databases.migrated(definition), definition.schema)
    assert (await describe(before, definition.schema)).differences(fresh) == {}


async def test_a_later_messaging_revision_reaches_a_schema_at_its_heads_without_a_service_revision(
    databases: Databases, tmp_path: Path
) -> None:
    definition = all_services()["sla-engine"]
    database = await databases.migrated(definition)
    (tmp_path / "0003_later.py").write_text(LATER_MESSAGING_REVISION)
    config = alembic_config(
        migrations_dir=definition.migrations_dir,
        url=database.url,
        schema=definition.schema,
        role=definition.database_role,
    )
    locations = config.get_main_option("version_locations")
    config.set_main_option("version_locations", f"{locations}{os.pathsep}{tmp_path}")
    for _ in range(2):  # the second time, nothing is left to do
        await asyncio.to_thread(command.upgrade, config, "heads")

    catalog = await describe(database, definition.schema)
    assert ("outbox", "later") in catalog.columns
    connection = await asyncpg.connect(libpq_url(database.url))
    try:
        versions = {row[0] for row in await connection.fetch("SELECT version_num FROM sla.alembic_version")}
    finally:
        await connection.close()
    assert versions == {own_head(definition), "messaging_0003"}


async def _contents(connection: asyncpg.Connection, schema: str) -> dict[str, Any]:
    """Every relation's identity (a table dropped and made again, or rewritten, gets new ones) and every
    table's rows."""
    relations = {
        row["relname"]: (row["oid"], row["relfilenode"]) for row in await connection.fetch(RELATIONS, schema)
    }
    tables = [
        row["tablename"]
        for row in await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = $1", schema)
    ]
    rows = {
        table: await connection.fetchval(
            f"SELECT coalesce(string_agg(t::text, ',' ORDER BY t::text), '') FROM \"{schema}\".\"{table}\" t"
        )
        for table in tables
    }
    return {"relations": relations, "rows": rows}
