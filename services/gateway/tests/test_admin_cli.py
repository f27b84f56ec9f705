"""`helpdesk admin create` and `helpdesk admin unlock`, run as a user runs them: as subprocesses, with
the HELPDESK_DATABASE_URL the README gives for a server one already runs."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator

import asyncpg
import pytest

from helpdesk_common.provisioning import with_database
from helpdesk_common.testing.infrastructure import TestServers
from services.gateway.tests.conftest import PASSWORD, Gateway
from services.gateway.tests.test_signin import login
from services.gateway.tests.test_unlock import lock_out

ADMIN = ["--username", "root", "--email", "root@example.com"]


async def helpdesk(
    *arguments: str, server_url: str, password: str = PASSWORD
) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "HELPDESK_DATABASE_URL": server_url, "HELPDESK_ADMIN_PASSWORD": password}
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "helpdesk_cli.main", *arguments],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
async def server_url(servers: TestServers) -> AsyncIterator[str]:
    """The server's admin URL on its `postgres` database, as the README writes it; the `helpdesk`
    database the commands use is dropped afterwards."""
    yield with_database(servers.admin_url, "postgres")
    connection = await asyncpg.connect(with_database(servers.admin_url, "postgres"))
    try:
        await connection.execute('DROP DATABASE IF EXISTS "helpdesk" WITH (FORCE)')
    finally:
        await connection.close()


async def test_admin_create_before_migrate_says_in_one_line_to_migrate_first(server_url: str) -> None:
    result = await helpdesk("admin", "create", *ADMIN, server_url=server_url)
    assert result.returncode == 1, result
    assert "Traceback" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "run `helpdesk migrate` first" in result.stderr


async def test_admin_create_uses_the_helpdesk_database_of_the_server_in_the_url(
    server_url: str, servers: TestServers
) -> None:
    migrated = await helpdesk("migrate", "gateway", server_url=server_url)
    assert migrated.returncode == 0, migrated.stderr

    created = await helpdesk("admin", "create", *ADMIN, server_url=server_url)
    assert created.returncode == 0, created.stderr
    assert created.stdout.startswith("Administrator root (")
    connection = await asyncpg.connect(with_database(servers.admin_url, "helpdesk"))
    try:
        assert await connection.fetchval("SELECT username FROM identity.operators") == "root"
    finally:
        await connection.close()


async def test_admin_create_names_what_is_wrong_with_a_password_without_echoing_it(
    server_url: str, servers: TestServers
) -> None:
    migrated = await helpdesk("migrate", "gateway", server_url=server_url)
    assert migrated.returncode == 0, migrated.stderr

    # A URL naming the helpdesk database itself works as well.
    helpdesk_url = with_database(servers.admin_url, "helpdesk")
    refused = await helpdesk("admin", "create", *ADMIN, server_url=helpdesk_url, password="Zq9-short")
    assert refused.returncode == 2, refused
    assert "password: String should have at least 10 characters" in refused.stderr
    assert "Zq9" not in refused.stderr + refused.stdout


async def test_admin_unlock_clears_a_lock_from_the_command_line(
    gateway_app: Gateway, server_url: str
) -> None:
    await gateway_app.operator("ada")
    await lock_out(gateway_app, "ada", "10.0.0.1")

    result = await helpdesk(
        "admin", "unlock", "--username", "ada", "--database", gateway_app.database.name, server_url=server_url
    )
    assert result.returncode == 0, result.stderr
    assert "Cleared pair ada at 10.0.0.1: 2 failures, locked until " in result.stdout
    assert (await login(gateway_app.client_from("10.0.0.1"), "ada", PASSWORD)).status_code == 200

    again = await helpdesk(
        "admin",
        "unlock",
        "--address",
        "10.0.0.1",
        "--database",
        gateway_app.database.name,
        server_url=server_url,
    )
    assert again.returncode == 0 and "nothing to clear" in again.stdout


async def test_admin_unlock_refuses_an_address_that_is_none(gateway_app: Gateway, server_url: str) -> None:
    result = await helpdesk(
        "admin",
        "unlock",
        "--address",
        "nowhere",
        "--database",
        gateway_app.database.name,
        server_url=server_url,
    )
    assert result.returncode == 2
    assert "'nowhere' is not an IP address." in result.stderr and "Traceback" not in result.stderr
