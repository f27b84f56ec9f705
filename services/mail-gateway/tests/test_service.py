"""The mail-gateway service as every one of its processes serves it: health and readiness, and its
schema migrated under its own role."""

from __future__ import annotations

import asyncpg

from helpdesk_common.db import libpq_url
from helpdesk_common.testing.apps import ServiceApp


async def test_health_and_readiness_answer(app: ServiceApp) -> None:
    assert (await app.client.get("/healthz")).json() == {"status": "ok"}
    ready = await app.client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["database"] == "ok"


async def test_its_schema_is_migrated_and_owned_by_its_role(app: ServiceApp) -> None:
    connection = await asyncpg.connect(libpq_url(app.url))
    try:
        tables = await connection.fetch(
            "SELECT tablename, tableowner FROM pg_tables WHERE schemaname = $1", "mail"
        )
    finally:
        await connection.close()
    assert {"outbox", "inbox", "dead_letters", "outbox_retained"} <= {row["tablename"] for row in tables}
    assert {row["tableowner"] for row in tables} == {"helpdesk_mail_gateway"}
