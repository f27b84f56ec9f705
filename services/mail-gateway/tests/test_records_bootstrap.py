"""The departments and Ticket System settings the mail gateway's `jobs` role learns from ticketing's
states (projections/consumers.py, the shared records bootstrap), on real NATS and PostgreSQL with a
stand-in for ticketing's `ticket-states` role (helpdesk_common/testing/ticket_states.py): a
department's mailbox becomes reachable and the module on, the parser strips the blocked extensions
the settings state named, a state older than an event already applied changes nothing, and the
marker row makes a second start ask nothing. The shared rule itself is
services/timetracking/tests/test_records_bootstrap.py's."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from nats.js import JetStreamContext

from helpdesk_common.contracts.ticket_states import DEPARTMENT_STATES_SUBJECT, SETTINGS_STATE_SUBJECT
from helpdesk_common.db import create_engine, create_session_factory
from helpdesk_common.service import ServiceRuntime
from helpdesk_common.testing.infrastructure import TestServers
from helpdesk_common.testing.plugin import TestDatabase
from helpdesk_common.testing.ticket_states import department_state, settings_state, ticketing_answering
from mail_gateway.config import MailGatewaySettings
from mail_gateway.main import service
from mail_gateway.parsing.parser import ParseLimits, parse_message
from mail_gateway.parsing.worker import blocked_extensions
from mail_gateway.projections.consumers import learn_records_job

LONG_AGO = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
LIMITS = ParseLimits(max_message_bytes=10**6, max_attachment_bytes=10**6, max_attachments=5)


@asynccontextmanager
async def jobs_process(database: TestDatabase, servers: TestServers) -> AsyncIterator[ServiceRuntime]:
    """What a `jobs` process of its own has: its own connections to the same database."""
    url = database.url_for(service)
    settings = MailGatewaySettings(
        database_url=url, nats_url=servers.nats_url, mail_bootstrap_retry_seconds=0.1
    )
    engine = create_engine(url, schema=service.schema, pool_size=2)
    try:
        yield ServiceRuntime(settings, engine, create_session_factory(engine))
    finally:
        await engine.dispose()


def _with_attachments(*names: str) -> bytes:
    parts = b"".join(
        b"--B\r\nContent-Type: application/octet-stream\r\n"
        + f'Content-Disposition: attachment; filename="{name}"\r\n\r\ndata\r\n'.encode()
        for name in names
    )
    head = (
        "From: Customer <customer@example.com>\r\nTo: support@example.com\r\nSubject: Files\r\n"
        "Message-ID: <files@example.com>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="B"\r\n'
    )
    return (
        head.encode() + b"\r\n--B\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n" + parts + b"--B--\r\n"
    )


async def test_the_jobs_role_learns_the_departments_and_settings_once_and_an_older_state_changes_nothing(
    mail_app_with: Any, database: TestDatabase, servers: TestServers, jetstream: JetStreamContext
) -> None:
    assert learn_records_job in service.jobs
    async with mail_app_with() as mail:
        # A department ticketing announced just now: the state read of it is older.
        renamed = await mail.department_known("Support, renamed")
        field = uuid.uuid4()
        off = await mail.client.get(f"/departments/{field}/mailbox", headers=mail.manager())
        assert off.status_code == 403 and off.json()["reason"] == "module_disabled"

        states = [department_state(field, "Field", LONG_AGO), department_state(renamed, "Support", LONG_AGO)]
        switched_on = settings_state(True, LONG_AGO, blocked_extensions=[".xyz"])
        async with (
            ticketing_answering(servers.nats_url, switched_on, states) as asked,
            jobs_process(database, servers) as jobs,
        ):
            await asyncio.wait_for(learn_records_job(jobs, asyncio.Event()), timeout=10)
            assert asked == [SETTINGS_STATE_SUBJECT, DEPARTMENT_STATES_SUBJECT]

            mail.client._transport.app.state.ticket_system_switch = None
            for department_id in (field, renamed):
                read = await mail.client.get(f"/departments/{department_id}/mailbox", headers=mail.manager())
                assert read.status_code == 200, read.text
            names = {
                row["id"]: row["name"] for row in await mail.sql("SELECT id, name FROM mail.departments")
            }
            assert names == {field: "Field", renamed: "Support, renamed"}

            async with mail.app.sessions() as session:
                blocked = await blocked_extensions(session)
            assert blocked == (".xyz",)
            parsed = parse_message(
                _with_attachments("plan.xyz", "tool.exe"), blocked_extensions=blocked, limits=LIMITS
            )
            assert parsed.blocked_attachments == ["plan.xyz"]
            assert [attachment.name for attachment in parsed.attachments] == ["tool.exe"]

            (marker,) = await mail.sql("SELECT id, departments FROM mail.records_bootstrap")
            assert tuple(marker) == (1, 2)
            # Another start finds the mark and asks nothing.
            await asyncio.wait_for(learn_records_job(jobs, asyncio.Event()), timeout=5)
            assert len(asked) == 2
