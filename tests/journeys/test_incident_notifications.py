"""Incident notifications through the whole stack as processes (`helpdesk run`): the ITSM e-mail rules
and an ITSM webhook saved through the gateway with incidents.manage, an incident created and assigned
in the itsm service, its events through itsm's outbox, the notifier's consumers, its relay and webhook
worker, the mail gateway's sender and the sending department's SMTP (the sink): one automatic e-mail
per recipient of each event's rule naming the incident (the assignee's at the address the gateway
announced), and one signed request per event at a receiver on loopback (issue 20, part 8)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web
from standardwebhooks.webhooks import Webhook

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
GRACE = "grace@example.com"
TITLE = 'Disk <b>full</b> on db-01 & "smoking"'


@pytest.fixture
async def incident_stack(
    servers: TestServers, database: TestDatabase, jetstream: object, tmp_path: Path
) -> AsyncIterator[RunningStack]:
    running = await start_stack(
        servers,
        database,
        tmp_path,
        upstreams=("ticketing", "mail-gateway", "notifier", "itsm"),
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


async def test_incidents_made_in_itsm_are_mailed_per_rule_and_posted_signed_to_the_itsm_webhook(
    incident_stack: RunningStack,
    dovecot: DovecotServer,
    smtp_sink: SmtpSink,
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
    hook = await admin.post(
        "/api/notifications/itsm/webhooks",
        json={"name": "Pager", "url": url, "events": ["incident_created", "incident_assigned"]},
    )
    assert hook.status_code == 201, hook.text
    grace = await admin.post(
        "/api/operators",
        json={
            "username": "grace",
            "email": GRACE,
            "display_name": "Grace Hopper",
            "password": "correct horse battery staple",
            "flags": ["incidents.view"],
        },
    )
    assert grace.status_code == 201, grace.text

    made = await admin.post(
        "/api/itsm/incidents", json={"title": TITLE, "severity": "critical", "host": "db-01.example.com"}
    )
    assert made.status_code == 201, made.text
    incident = made.json()
    number, priority = incident["number"], incident["priority"]
    created = await smtp_sink.wait_for(2, within=60)
    assert sorted(message.rcpt_tos[0] for message in created) == [NOC, ONCALL]
    link = f"{CONSOLE}/incidents/{incident['id']}"
    for message in created:
        parsed = message.parsed()
        # Python's SMTP policy folds a long Subject holding quotes right after "Subject:", so the
        # unfolded value starts with the fold's space, which mail clients drop as well.
        assert parsed["Subject"].lstrip() == f"[{number}] Incident created ({priority}): {TITLE}"
        assert parsed["Auto-Submitted"] == "auto-generated"
        assert DESK in parsed["From"] and parsed["Message-ID"].startswith("<notification.")
        text = str(parsed.get_body(("plain",)).get_content())  # type: ignore[union-attr]
        assert number in text and link in text and "Host: db-01.example.com" in text
        html = parsed.get_body(("html",)).get_content()  # type: ignore[union-attr]
        assert f'href="{link}"' in html and "&lt;b&gt;full&lt;/b&gt;" in html and "<b>full" not in html

    async def assigned() -> bool:
        # 422 naming assignee_id until the operator's event has reached itsm.
        answer = await admin.post(
            f"/api/itsm/incidents/{incident['id']}/assign", json={"assignee_id": grace.json()["id"]}
        )
        assert answer.status_code in (200, 422), answer.text
        return answer.status_code == 200

    await eventually(assigned, within=30, what="the incident assigned to grace")
    [to_grace] = (await smtp_sink.wait_for(3, within=60))[2:]
    assert to_grace.rcpt_tos == [GRACE]
    assert to_grace.parsed()["Subject"].lstrip() == f"[{number}] Incident assigned ({priority}): {TITLE}"
    assert "Assigned to: grace" in str(to_grace.parsed().get_body(("plain",)).get_content())  # type: ignore[union-attr]

    async def posted() -> bool:
        return len(received) == 2

    await eventually(posted, within=30, what="the ITSM webhook's two requests")
    secret = hook.json()["secret"]
    bodies = []
    for request in received:
        assert Webhook(secret).verify(request["body"], request["headers"]) is not None
        bodies.append(json.loads(request["body"]))
    assert sorted(body["event"] for body in bodies) == ["incident_assigned", "incident_created"]
    assert {(body["incident_number"], body["title"], body["url"]) for body in bodies} == {
        (number, TITLE, link)
    }
    # Nothing more comes.
    await asyncio.sleep(3)
    assert len(smtp_sink.messages) == 3 and len(received) == 2


async def _rules_saved(admin: httpx.AsyncClient, department_id: str) -> None:
    body = {
        "sender_department_id": department_id,
        "events": {
            "incident_created": {"recipients": f"{ONCALL}, {NOC}"},
            "incident_assigned": {"assignee": True},
        },
    }

    async def saved() -> bool:
        answer = await admin.put("/api/notifications/itsm/notifications", json=body)
        # 422 while the notifier has not yet heard of the new department.
        assert answer.status_code in (200, 422), answer.text
        return answer.status_code == 200

    await eventually(saved, within=30, what="the rules saved once the notifier knows the department")
