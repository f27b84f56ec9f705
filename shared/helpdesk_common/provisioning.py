"""Creating the database, one role and one schema per service, and the grants that keep them apart."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import asyncpg
from sqlalchemy.engine import make_url

from helpdesk_common.db import libpq_url


@dataclass(frozen=True)
class ServiceAccount:
    schema: str
    role: str
    # None keeps the password an existing role has (a new role then cannot log in until one is set).
    password: str | None
    # Extensions the service's migrations rely on, installed into its schema by the admin (a
    # service role has no right to install them itself).
    extensions: tuple[str, ...] = ()


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def with_credentials(server_url: str, *, user: str, password: str, database: str | None = None) -> str:
    url = make_url(libpq_url(server_url)).set(username=user, password=password)
    if database is not None:
        url = url.set(database=database)
    return url.render_as_string(hide_password=False)


async def provision(admin_url: str, database: str, accounts: Iterable[ServiceAccount]) -> None:
    """Idempotent: a second run only resets the passwords it is given."""
    maintenance = await asyncpg.connect(with_database(admin_url, "postgres"))
    try:
        exists = await maintenance.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            await maintenance.execute(f"CREATE DATABASE {_ident(database)} ENCODING 'UTF8'")
        for account in accounts:
            role = _ident(account.role)
            known = await maintenance.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", account.role)
            verb = "ALTER" if known else "CREATE"
            password = f" PASSWORD {_literal(account.password)}" if account.password else ""
            await maintenance.execute(
                f"{verb} ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION{password}"
            )
            # A CREATEROLE admin that is no superuser (managed PostgreSQL) may only SET ROLE to,
            # and create schemas for, roles it is a member of.
            await maintenance.execute(f"GRANT {role} TO CURRENT_USER")
    finally:
        await maintenance.close()

    connection = await asyncpg.connect(with_database(admin_url, database))
    try:
        async with connection.transaction():
            await connection.execute(f"REVOKE ALL ON DATABASE {_ident(database)} FROM PUBLIC")
            await connection.execute("REVOKE ALL ON SCHEMA public FROM PUBLIC")
            for account in accounts:
                role, schema = _ident(account.role), _ident(account.schema)
                await connection.execute(f"GRANT CONNECT, TEMPORARY ON DATABASE {_ident(database)} TO {role}")
                await connection.execute(f"CREATE SCHEMA IF NOT EXISTS {schema} AUTHORIZATION {role}")
                await connection.execute(f"ALTER SCHEMA {schema} OWNER TO {role}")
                await connection.execute(
                    f"ALTER ROLE {role} IN DATABASE {_ident(database)} SET search_path = {schema}"
                )
                for extension in account.extensions:
                    await connection.execute(
                        f"CREATE EXTENSION IF NOT EXISTS {_ident(extension)} SCHEMA {schema}"
                    )
    finally:
        await connection.close()


def with_database(url: str, database: str) -> str:
    return make_url(libpq_url(url)).set(database=database).render_as_string(hide_password=False)
