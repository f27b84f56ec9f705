"""The mail-gateway service as every one of its processes serves it: health and readiness, and its
schema migrated under its own role."""

from __future__ import annotations

import asyncpg
import httpx

from helpdesk_common.db import libpq_url


async def test_health_and_readiness_answer(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["database"] == "ok"


async def test_its_schema_is_migrated_and_owned_by_its_role(url: str) -> None:
    connection = await asyncpg.connect(libpq_url(url))
    try:
        tables = await connection.fetch(
            "SELECT tablename, tableowner FROM pg_tables WHERE schemaname = $1", "mail"
        )
    finally:
        await connection.close()
    assert {"outbox", "inbox", "dead_letters", "outbox_retained"} <= {row["tablename"] for row in tables}
    assert {row["tableowner"] for row in tables} == {"helpdesk_mail_gateway"}
