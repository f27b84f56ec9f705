"""Alembic per service: each service's revisions live in its package, the shared messaging chain
(`messaging/`: outbox, inbox, dead letters) beside them in every schema, and the version table in the
service's schema. One environment (`env.py` here) runs them all."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from types import ModuleType

from alembic import command
from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from sqlalchemy import MetaData, pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from helpdesk_common.db import async_url
from helpdesk_common.messaging_tables import messaging_metadata

VERSION_TABLE = "alembic_version"
ENVIRONMENT = Path(__file__).parent
# The messaging tables' own history, a branch beside every service's revisions: the first revision
# of a service depends on its first revision (`depends_on = "messaging_0001"`).
MESSAGING_VERSIONS = ENVIRONMENT / "messaging"


def alembic_config(
    *, migrations_dir: Path, url: str, schema: str, role: str | None, tables: MetaData | None = None
) -> Config:
    """`tables`: what the service's code declares, the target of autogenerate's comparisons."""
    config = Config()
    config.set_main_option("path_separator", "os")
    config.set_main_option("script_location", str(ENVIRONMENT))
    config.set_main_option(
        "version_locations", os.pathsep.join([str(migrations_dir), str(MESSAGING_VERSIONS)])
    )
    config.attributes["helpdesk_url"] = url
    config.attributes["helpdesk_schema"] = schema
    config.attributes["helpdesk_role"] = role
    config.attributes["helpdesk_tables"] = tables or MetaData()
    return config


def upgrade(
    *, migrations_dir: Path, url: str, schema: str, role: str | None = None, tables: MetaData | None = None
) -> None:
    """Bring a schema to all heads (the service's and the messaging chain's). `role` is set when an
    admin connection migrates on a service's behalf, so every object is owned by the service's role,
    not by the admin."""
    config = alembic_config(migrations_dir=migrations_dir, url=url, schema=schema, role=role, tables=tables)
    command.upgrade(config, "heads")


def run_env(context: EnvironmentContext | ModuleType) -> None:
    """The body of `env.py`."""
    config = context.config
    schema: str = config.attributes["helpdesk_schema"]
    role: str | None = config.attributes["helpdesk_role"]

    def run(connection: Connection) -> None:
        if role:
            connection.execute(text(f'SET ROLE "{role}"'))
        connection.execute(text(f'SET search_path TO "{schema}"'))
        # Two replicas starting at once must not run the same migration twice.
        connection.execute(text("SELECT pg_advisory_xact_lock(hashtext(:s))"), {"s": schema})
        context.configure(
            connection=connection,
            target_metadata=[config.attributes["helpdesk_tables"], messaging_metadata],
            version_table=VERSION_TABLE,
            version_table_schema=schema,
            include_schemas=False,
            transaction_per_migration=False,
        )
        with context.begin_transaction():
            context.run_migrations()

    async def run_async() -> None:
        engine = create_async_engine(async_url(config.attributes["helpdesk_url"]), poolclass=pool.NullPool)
        async with engine.begin() as connection:
            await connection.run_sync(run)
        await engine.dispose()

    asyncio.run(run_async())
