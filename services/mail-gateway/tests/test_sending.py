"""The sender role on the real bus, database and an aiosmtpd sink: `mail_outbound_requested` in, the
message through the department's SMTP server, each delivery state recorded and announced through
the outbox; retries on 4xx and connection errors, failure on 5xx, never a message sent twice."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nats
import orjson
import pytest
from cryptography.fernet import Fernet
from nats.aio.client import Client
from nats.js import JetStreamContext
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from helpdesk_common.bus.topology import ensure_consumer
from helpdesk_common.contracts.mail import MailOutboundRequested, OutboundAttachment, OutboundMail
from helpdesk_common.db import create_engine, create_session_factory
from helpdesk_common.embedded import free_port
from helpdesk_common.secrets import SecretBox
from helpdesk_common.testing.infrastructure import TestServers
from helpdesk_common.testing.plugin import TestDatabase
from helpdesk_common.testing.smtp_sink import SmtpSink
from mail_gateway.config import MailGatewaySettings
from mail_gateway.connections.endpoint import OAuthClient
from mail_gateway.main import service
from mail_gateway.sending.consumers import outbound_consumer
from mail_gateway.sending.sender import Sender
from mail_gateway.sending.service import NO_MAILBOX, UNCERTAIN
from mail_gateway.tables.mailboxes import mailboxes
from mail_gateway.tables.outbound import outbound_messages
from tests.backbone.harness import eventually

REPO = Path(__file__).resolve().parents[3]
QUICK = {
    "send_poll_seconds": 0.1,
    "send_retry_first_seconds": 0.3,
    "send_retry_longest_seconds": 0.6,
    "send_give_up_after_seconds": 60.0,
    "smtp_timeout_seconds": 10.0,
    "send_attempt_seconds": 20.0,
    "send_lease_seconds": 25.0,
}


@dataclass
class Gateway:
    """The mail gateway's sender role running in the test's process, on its own database."""

    url: str
    settings: MailGatewaySettings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    client: Client
    jetstream: JetStreamContext
    sink: SmtpSink
    department_id: uuid.UUID = field(default_factory=uuid.uuid4)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def mailbox(self, **values: Any) -> None:
        box = SecretBox(self.settings.secret_key)
        password = values.pop("password", "desk-password")
        row = {
            "department_id": self.department_id,
            "smtp_host": self.sink.host,
            "smtp_port": self.sink.tls_port,
            "smtp_tls": "implicit",
            "smtp_username": "desk",
            "smtp_password_sealed": box.seal(password),
            "from_address": "support@example.test",
            "from_name": "Example Support",
            **values,
        }
        async with self.sessions() as session, session.begin():
            await session.execute(mailboxes.insert().values(**row))

    def start(self, *, sender: Sender | None = None) -> None:
        sender = sender or Sender(sessions=self.sessions, settings=self.settings, bus=self.client)
        self.tasks.append(asyncio.create_task(outbound_consumer.run(self.client, self.sessions, self.stop)))
        self.tasks.append(asyncio.create_task(sender.run(self.stop)))

    async def request(self, mail: OutboundMail) -> MailOutboundRequested:
        event = MailOutboundRequested.build(source="ticketing", subject=str(mail.ticket_id), data=mail)
        await self.publish(event)
        return event

    async def publish(self, event: MailOutboundRequested, *, msg_id: str | None = None) -> None:
        await self.jetstream.publish(
            event.bus_subject(), event.to_json(), headers={"Nats-Msg-Id": msg_id or str(event.id)}
        )

    async def row(self, message_id: str) -> Any:
        async with self.sessions() as session:
            return (
                await session.execute(
                    select(outbound_messages).where(outbound_messages.c.message_id == message_id)
                )
            ).first()

    async def settled(self, message_id: str, state: str, *, within: float = 20) -> Any:
        async def reached() -> bool:
            found = await self.row(message_id)
            return found is not None and found.state == state

        await eventually(reached, within=within, what=f"{message_id} to be {state}")
        return await self.row(message_id)

    async def announced(self, message_id: str) -> list[dict[str, Any]]:
        """The delivery events in the outbox, in the order they were written."""
        async with self.engine.connect() as connection:
            rows = await connection.execute(
                text("SELECT payload FROM outbox WHERE event_type = 'mail_delivery_changed' ORDER BY id")
            )
            events = [orjson.loads(bytes(row.payload)) for row in rows]
        return [event["data"] for event in events if event["data"]["message_id"] == message_id]

    def mail(self, **values: Any) -> OutboundMail:
        ticket_id = uuid.uuid4()
        return OutboundMail.model_validate(
            {
                "department_id": self.department_id,
                "ticket_id": ticket_id,
                "ticket_number": "T-1001",
                "comment_id": uuid.uuid4(),
                "to": ["ann@customer.test"],
                "subject": "[T-1001] Printer on fire",
                "body_text": "We are on it.",
                "body_html": "<p>We are <b>on it</b>.</p>",
                "message_id": f"<t-1001.{uuid.uuid4()}@helpdesk>",
                **values,
            }
        )


@pytest.fixture
async def gateway(
    database: TestDatabase, servers: TestServers, jetstream: JetStreamContext, smtp_sink: SmtpSink
) -> AsyncIterator[Gateway]:
    url = await database.add_service(service)
    settings = MailGatewaySettings(
        database_url=url,
        nats_url=servers.nats_url,
        secret_key=Fernet.generate_key().decode(),
        mail_ca_file=smtp_sink.ca_file,
        **QUICK,
    )
    engine = create_engine(url, schema="mail", pool_size=4)
    client = await nats.connect(servers.nats_url)
    await ensure_consumer(client.jetstream(), outbound_consumer.spec)
    smtp_sink.users["desk"] = "desk-password"
    running = Gateway(
        url, settings, engine, create_session_factory(engine), client, client.jetstream(), smtp_sink
    )
    try:
        yield running
    finally:
        running.stop.set()
        await asyncio.gather(*running.tasks, return_exceptions=True)
        await client.close()
        await engine.dispose()


async def test_a_reply_goes_out_from_the_department_threaded_with_its_attachments(gateway: Gateway) -> None:
    await gateway.mailbox()
    store = await gateway.jetstream.create_object_store(gateway.settings.attachments_bucket)
    await store.put("ticket/invoice", b"%PDF-1.7 the invoice")
    gateway.start()
    mail = gateway.mail(
        in_reply_to="<customer-2@mail.test>",
        references=["<customer-1@mail.test>", "<customer-2@mail.test>"],
        attachments=[
            OutboundAttachment(
                name="invoice.pdf", content_type="application/pdf", size=20, object_name="ticket/invoice"
            )
        ],
    )
    await gateway.request(mail)

    [received] = await gateway.sink.wait_for(1)
    row = await gateway.settled(mail.message_id, "sent")
    assert received.login == "desk" and received.tls
    assert received.mail_from == "support@example.test"
    assert received.rcpt_tos == ["ann@customer.test"]
    message = received.parsed()
    assert message["From"] == "Example Support <support@example.test>"
    assert message["To"] == "ann@customer.test"
    assert message["Subject"] == "[T-1001] Printer on fire"
    assert message["Message-ID"] == mail.message_id
    assert message["In-Reply-To"] == "<customer-2@mail.test>"
    assert message["References"] == "<customer-1@mail.test> <customer-2@mail.test>"
    assert message["Auto-Submitted"] is None
    body = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert body is not None and body.get_content().strip() == "We are on it."
    assert html is not None and "<b>on it</b>" in html.get_content()
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "invoice.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == b"%PDF-1.7 the invoice"
    assert (row.attempts, row.last_words.startswith("250")) == (1, True)
    states = [event["state"] for event in await gateway.announced(mail.message_id)]
    assert states == ["queued", "sending", "sent"]
    revisions = [event["revision"] for event in await gateway.announced(mail.message_id)]
    assert revisions == sorted(set(revisions))


async def test_automatic_mail_says_so_and_a_hostile_subject_stays_one_header(gateway: Gateway) -> None:
    await gateway.mailbox()
    gateway.start()
    mail = gateway.mail(automatic=True, subject="Received\r\nBcc: everyone@example.test")
    await gateway.request(mail)
    [received] = await gateway.sink.wait_for(1)
    message = received.parsed()
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Bcc"] is None
    assert message["Subject"] == "Received Bcc: everyone@example.test"
    assert received.rcpt_tos == ["ann@customer.test"]


@pytest.mark.parametrize("tls", ["starttls", "implicit"])
async def test_xoauth2_through_starttls_and_implicit_tls(gateway: Gateway, tls: str) -> None:
    gateway.sink.tokens.add("fresh-token")
    await gateway.mailbox(
        smtp_tls=tls,
        smtp_port=gateway.sink.port if tls == "starttls" else gateway.sink.tls_port,
        smtp_username="support@example.test",
        auth_method="oauth2",
        oauth_token_endpoint="https://login.example.test/token",
        oauth_client_id="helpdesk",
        oauth_refresh_token_sealed=SecretBox(gateway.settings.secret_key).seal("refresh"),
    )
    asked: list[OAuthClient] = []

    async def tokens(oauth: OAuthClient) -> str:
        asked.append(oauth)
        return "fresh-token"

    gateway.start(
        sender=Sender(sessions=gateway.sessions, settings=gateway.settings, bus=gateway.client, tokens=tokens)
    )
    mail = gateway.mail()
    await gateway.request(mail)
    [received] = await gateway.sink.wait_for(1)
    await gateway.settled(mail.message_id, "sent")
    assert received.tls and received.login == "support@example.test"
    assert [oauth.refresh_token for oauth in asked] == ["refresh"]


async def test_a_4xx_is_retried_and_then_sent(gateway: Gateway) -> None:
    await gateway.mailbox()
    gateway.sink.refuse_next(1, "451 4.7.1 Greylisted, please try again")
    gateway.start()
    mail = gateway.mail()
    await gateway.request(mail)
    row = await gateway.settled(mail.message_id, "sent")
    assert row.attempts == 2
    assert len(gateway.sink.messages) == 1
    announced = await gateway.announced(mail.message_id)
    assert [event["state"] for event in announced] == ["queued", "sending", "retrying", "sending", "sent"]
    retrying = announced[2]
    assert retrying["detail"] == "data: 451 4.7.1 Greylisted, please try again"
    assert retrying["next_attempt_at"] is not None


async def test_a_5xx_fails_with_the_servers_words(gateway: Gateway) -> None:
    await gateway.mailbox()
    gateway.sink.refuse_next(1, "550 5.1.1 <ann@customer.test>: mailbox unavailable")
    gateway.start()
    mail = gateway.mail()
    await gateway.request(mail)
    row = await gateway.settled(mail.message_id, "failed")
    assert row.last_words == "data: 550 5.1.1 <ann@customer.test>: mailbox unavailable"
    assert row.attempts == 1 and row.next_attempt_at is None
    await asyncio.sleep(1.0)
    assert (await gateway.row(mail.message_id)).attempts == 1
    assert gateway.sink.messages == []


async def test_a_server_that_refuses_connections_is_retried_until_it_answers(gateway: Gateway) -> None:
    closed = free_port()
    await gateway.mailbox(smtp_port=closed)
    gateway.start()
    mail = gateway.mail()
    await gateway.request(mail)
    row = await gateway.settled(mail.message_id, "retrying")
    assert row.last_words.startswith("connect: ") and str(closed) in row.last_words
    async with gateway.sessions() as session, session.begin():
        await session.execute(update(mailboxes).values(smtp_port=gateway.sink.tls_port))
    row = await gateway.settled(mail.message_id, "sent")
    assert row.attempts >= 2
    assert len(gateway.sink.messages) == 1


async def test_retries_end_in_failed_once_the_message_has_waited_long_enough(gateway: Gateway) -> None:
    gateway.settings = gateway.settings.model_copy(update={"send_give_up_after_seconds": 1.0})
    await gateway.mailbox(smtp_port=free_port())
    gateway.start()
    mail = gateway.mail()
    await gateway.request(mail)
    row = await gateway.settled(mail.message_id, "failed")
    assert row.last_words.startswith(f"gave up after {row.attempts} attempts: connect: ")


async def test_a_department_without_a_mailbox_fails_saying_so(gateway: Gateway) -> None:
    gateway.start()
    mail = gateway.mail()
    await gateway.request(mail)
    row = await gateway.settled(mail.message_id, "failed")
    assert row.last_words == NO_MAILBOX == "no outbound mailbox configured for the department"


async def test_the_same_request_delivered_again_is_sent_once(gateway: Gateway) -> None:
    await gateway.mailbox()
    gateway.start()
    mail = gateway.mail()
    event = await gateway.request(mail)
    await gateway.settled(mail.message_id, "sent")
    # The same event again under another Nats-Msg-Id (JetStream's window would drop the same one),
    # as a relay re-publishing after a crash does; then a second request for the same Message-ID.
    await gateway.publish(event, msg_id=f"again-{event.id}")
    await gateway.request(mail)
    # A later message passing through proves the redeliveries were consumed before it.
    later = gateway.mail()
    await gateway.request(later)
    await gateway.settled(later.message_id, "sent")
    assert [message.parsed()["Message-ID"] for message in gateway.sink.messages] == [
        mail.message_id,
        later.message_id,
    ]
    assert (await gateway.row(mail.message_id)).attempts == 1


async def test_a_connection_dropped_right_after_the_250_is_recorded_sent_once(gateway: Gateway) -> None:
    await gateway.mailbox()
    gateway.sink.drop_after_accepting(1)
    gateway.start()
    mail = gateway.mail()
    await gateway.request(mail)
    row = await gateway.settled(mail.message_id, "sent")
    assert row.attempts == 1 and len(gateway.sink.messages) == 1


async def test_a_sender_killed_after_the_server_accepted_sends_nothing_twice(
    gateway: Gateway, tmp_path: Path
) -> None:
    """The sink keeps the message and holds back its 250 while the sender process is SIGKILLed, so
    the kill lands between the server's acceptance and our commit. A second sender process then
    takes the abandoned message over and sends a later message: the sink holds each message once,
    the first recorded failed as uncertain, not sent again."""
    await gateway.mailbox()
    hold = gateway.sink.hold_next()
    env = {
        **os.environ,
        "HELPDESK_DATABASE_URL": gateway.url,
        "HELPDESK_NATS_URL": gateway.settings.nats_url,
        "HELPDESK_SECRET_KEY": gateway.settings.secret_key,
        "HELPDESK_MAIL_CA_FILE": gateway.sink.ca_file,
        "HELPDESK_LOG_JSON": "false",
        **{f"HELPDESK_{name.upper()}": str(value) for name, value in QUICK.items()},
        "HELPDESK_SEND_ATTEMPT_SECONDS": "2",
        "HELPDESK_SEND_LEASE_SECONDS": "3",
    }

    def sender(log: str) -> subprocess.Popen[bytes]:
        with open(tmp_path / log, "ab") as output:
            return subprocess.Popen(
                [sys.executable, "-m", "helpdesk_cli.main", "run", "mail-gateway", "--role", "sender"],
                cwd=REPO,
                env={**env, "HELPDESK_HTTP_PORT": str(free_port())},
                stdout=output,
                stderr=output,
            )

    first = sender("first.log")
    try:
        mail = gateway.mail()
        await gateway.request(mail)
        await asyncio.wait_for(hold.accepted.wait(), 60)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    hold.release.set()
    row = await gateway.row(mail.message_id)
    assert row.state == "sending" and row.handed_over_at is not None

    second = sender("second.log")
    try:
        row = await gateway.settled(mail.message_id, "failed", within=60)
        later = gateway.mail()
        await gateway.request(later)
        await gateway.settled(later.message_id, "sent", within=60)
    finally:
        second.terminate()
        second.wait(15)
    assert row.last_words == UNCERTAIN
    assert [message.parsed()["Message-ID"] for message in gateway.sink.messages] == [
        mail.message_id,
        later.message_id,
    ]
