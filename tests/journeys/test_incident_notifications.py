"""Incident notifications through the whole stack as processes (`helpdesk run`): the ITSM e-mail rules
and an ITSM webhook saved through the gateway with incidents.manage, an incident event published on
the ITSM stream as the itsm service publishes it, the notifier's consumers, its relay and webhook
worker, the mail gateway's sender and the sending department's SMTP (the sink): one automatic e-mail
per recipient naming the incident, and one signed request at a receiver on loopback (issue 20,
part 8)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web
from nats.js import JetStreamContext
from standardwebhooks.webhooks import Webhook

from helpdesk_common.contracts.itsm import IncidentChangeData, IncidentCreated, IncidentSnapshot
from helpdesk_common.embedded import free_port
from helpdesk_common.testing.dovecot import DovecotServer
from helpdesk_common.testing.infrastructure import TestServers
from helpdesk_common.testing.plugin import TestDatabase
from helpdesk_common.testing.smtp_sink import SmtpSink
from tests.backbone.harness import eventually
from tests.journeys.stack import RunningStack, start_stack
from tests.journeys.test_mail import DESK, MAIL_ON_LOOPBACK, _mailbox, _mailbox_saved

CONSOLE = "https://desk.example.com"
ONCALL = "oncall@example.com"
NOC = "noc@example.com"
TITLE = 'Disk <b>full</b> on db-01 & "smoking"'


@pytest.fixture
async def incident_stack(
    servers: TestServers, database: TestDatabase, jetstream: object, tmp_path: Path
) -> AsyncIterator[RunningStack]:
    running = await start_stack(
        servers,
        database,
        tmp_path,
        upstreams=("ticketing", "mail-gateway", "notifier"),
        service_env={
            **MAIL_ON_LOOPBACK,
            "HELPDESK_CONSOLE_URL": CONSOLE,
            "HELPDESK_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.1/32",
        },
    )
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    """A webhook receiver on loopback: its URL and what it was sent (headers and body)."""
    received: list[dict[str, Any]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append({"headers": dict(request.headers), "body": await request.read()})
        return web.Response(text="ok")

    application = web.Application()
    application.router.add_post("/hook", hook)
    runner = web.AppRunner(application)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}/hook", received
    finally:
        await runner.cleanup()


async def test_an_incident_event_is_mailed_per_recipient_and_posted_signed_to_the_itsm_webhook(
    incident_stack: RunningStack,
    dovecot: DovecotServer,
    smtp_sink: SmtpSink,
    jetstream: JetStreamContext,
    receiver: tuple[str, list[dict[str, Any]]],
) -> None:
    url, received = receiver
    admin = await incident_stack.admin()
    switched = await admin.put(
        "/api/tickets/settings",
        json={"ticket_system_enabled": True, "ticket_number_prefix": "TKT", "blocked_extensions": []},
    )
    assert switched.status_code == 200, switched.text
    department = (await admin.post("/api/tickets/departments", json={"name": "Operations"})).json()
    user = dovecot.add_user()
    smtp_sink.users["desk"] = "desk-password"
    await _mailbox_saved(
        admin, department["id"], {**_mailbox(dovecot, user, smtp_sink), "auto_reply_enabled": False}
    )
    await _rules_saved(admin, department["id"])
    hook = await admin.post("/api/notifications/itsm/webhooks", json={"name": "Pager", "url": url})
    assert hook.status_code == 201, hook.text

    event = _incident_created()
    await jetstream.publish(event.bus_subject(), event.to_json(), headers={"Nats-Msg-Id": str(event.id)})

    mails = await smtp_sink.wait_for(2, within=60)
    assert sorted(message.rcpt_tos[0] for message in mails) == [NOC, ONCALL]
    link = f"{CONSOLE}/incidents/INC-7"
    for message in mails:
        parsed = message.parsed()
        assert parsed["Subject"] == f"[INC-7] Incident created (P1): {TITLE}"
        assert parsed["Auto-Submitted"] == "auto-generated"
        assert DESK in parsed["From"] and parsed["Message-ID"].startswith("<notification.")
        text = str(parsed.get_body(("plain",)).get_content())  # type: ignore[union-attr]
        assert "INC-7" in text and link in text and "Host: db-01.example.com" in text
        html = parsed.get_body(("html",)).get_content()  # type: ignore[union-attr]
        assert f'href="{link}"' in html and "&lt;b&gt;full&lt;/b&gt;" in html and "<b>full" not in html

    async def posted() -> bool:
        return bool(received)

    await eventually(posted, within=30, what="the ITSM webhook's request")
    [request] = received
    assert Webhook(hook.json()["secret"]).verify(request["body"], request["headers"]) is not None
    body = json.loads(request["body"])
    assert (body["event"], body["incident_number"], body["title"], body["url"]) == (
        "incident_created",
        "INC-7",
        TITLE,
        link,
    )
    # Nothing more comes.
    await asyncio.sleep(3)
    assert len(smtp_sink.messages) == 2 and len(received) == 1


async def _rules_saved(admin: httpx.AsyncClient, department_id: str) -> None:
    body = {
        "sender_department_id": department_id,
        "events": {"incident_created": {"recipients": f"{ONCALL}, {NOC}", "priorities": ["P1", "P2"]}},
    }

    async def saved() -> bool:
        answer = await admin.put("/api/notifications/itsm/notifications", json=body)
        # 422 while the notifier has not yet heard of the new department.
        assert answer.status_code in (200, 422), answer.text
        return answer.status_code == 200

    await eventually(saved, within=30, what="the rules saved once the notifier knows the department")


def _incident_created() -> IncidentCreated:
    now = datetime.now(UTC)
    incident = IncidentSnapshot(
        id=uuid.uuid4(),
        number="INC-7",
        title=TITLE,
        status="open",
        severity="critical",
        impact="high",
        urgency="high",
        priority="P1",
        source="prometheus",
        host="db-01.example.com",
        rule="DiskFull",
        alert_count=1,
        host_count=1,
        created_at=now,
        updated_at=now,
    )
    return IncidentCreated.build(
        source="itsm", subject=str(incident.id), data=IncidentChangeData(incident=incident)
    )
