"""Alembic per service: each service's migrations live in its package, the version table in its schema."""

from __future__ import annotations

import asyncio
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


def alembic_config(*, migrations_dir: Path, url: str, schema: str, role: str | None) -> Config:
    config = Config()
    config.set_main_option("path_separator", "os")
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("version_locations", str(migrations_dir / "versions"))
    config.attributes["helpdesk_url"] = url
    config.attributes["helpdesk_schema"] = schema
    config.attributes["helpdesk_role"] = role
    return config


def upgrade(*, migrations_dir: Path, url: str, schema: str, role: str | None = None) -> None:
    """Bring a schema to head. `role` is set when an admin connection migrates on a service's behalf,
    so every object is owned by the service's role, not by the admin."""
    command.upgrade(alembic_config(migrations_dir=migrations_dir, url=url, schema=schema, role=role), "head")


def run_env(context: EnvironmentContext | ModuleType, target_metadata: MetaData) -> None:
    """The body of every service's `migrations/env.py`."""
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
            target_metadata=[target_metadata, messaging_metadata],
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
