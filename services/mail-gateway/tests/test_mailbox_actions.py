"""The test actions (Test IMAP, Test SMTP) against real TCP servers on loopback: the server's own
words come back as a 200 result, and so does a server that is not there or does not answer.

What connects is `MailboxChecks` (mailboxes/checks.py): Test IMAP logs in and counts the inbox as the
poller would (against the real Dovecot), Test SMTP logs in as a send would (against the real aiosmtpd
sink); servers that are not mail servers are plain TCP servers on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from helpdesk_common.embedded import free_port
from helpdesk_common.testing.dovecot import DovecotServer
from helpdesk_common.testing.smtp_sink import SmtpSink
from mail_gateway.connections.imap import folder_name

PASSWORD = "never-shown-password"


@contextlib.asynccontextmanager
async def _server(greeting: bytes | None) -> AsyncIterator[int]:
    """A server on 127.0.0.1 that sends `greeting` (None: nothing) and keeps the connection open."""
    held: list[asyncio.StreamWriter] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)
        if greeting is not None:
            writer.write(greeting)
            await writer.drain()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()


async def _mailbox(
    mail: Any,
    *,
    imap_port: int,
    smtp_port: int,
    tls: str = "starttls",
    smtp_tls: str | None = None,
    imap_username: str = "support",
    imap_password: str = PASSWORD,
    imap_folder: str = "INBOX",
) -> uuid.UUID:
    department_id: uuid.UUID = await mail.department_known()
    body = {
        "imap_host": "127.0.0.1",
        "imap_port": imap_port,
        "imap_tls": tls,
        "imap_username": imap_username,
        "imap_password": imap_password,
        "imap_folder": imap_folder,
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp_port,
        "smtp_tls": smtp_tls or tls,
        "smtp_username": "support",
        "smtp_password": PASSWORD,
        "from_address": "support@example.com",
    }
    saved = await mail.client.put(f"/departments/{department_id}/mailbox", json=body, headers=mail.manager())
    assert saved.status_code == 200, saved.text
    return department_id


async def _test(mail: Any, department_id: uuid.UUID, server: str) -> dict[str, Any]:
    response = await mail.client.post(
        f"/departments/{department_id}/mailbox/test-{server}", headers=mail.manager()
    )
    assert response.status_code == 200, response.text
    assert PASSWORD not in response.text
    result: dict[str, Any] = response.json()
    return result


async def test_imap_refusing_the_login_is_reported_in_its_own_words(
    mail_app_with: Any, dovecot: DovecotServer
) -> None:
    user = dovecot.add_user()
    async with mail_app_with(mail_ca_file=dovecot.ca_file) as mail:
        await mail.switch_module(True)
        department_id = await _mailbox(
            mail, imap_port=dovecot.port, smtp_port=free_port(), imap_username=user.name
        )
        refused = await _test(mail, department_id, "imap")
        assert refused["ok"] is False and "AUTHENTICATIONFAILED" in refused["message"], refused
        assert user.password not in str(refused)


async def test_imap_taking_the_login_passes_and_counts_the_inbox(
    mail_app_with: Any, dovecot: DovecotServer
) -> None:
    user = dovecot.add_user()
    await dovecot.append(user, b"From: a@example.com\r\nSubject: one\r\n\r\nHello\r\n")
    async with mail_app_with(mail_ca_file=dovecot.ca_file) as mail:
        await mail.switch_module(True)
        department_id = await _mailbox(
            mail,
            imap_port=dovecot.tls_port,
            smtp_port=free_port(),
            tls="implicit",
            imap_username=user.name,
            imap_password=user.password,
        )
        passed = await _test(mail, department_id, "imap")
        assert passed == {"ok": True, "stage": "done", "message": "Connected; INBOX holds 1 message."}, passed


async def test_smtp_refusing_the_login_is_reported_in_its_own_words(
    mail_app_with: Any, smtp_sink: SmtpSink
) -> None:
    smtp_sink.users["support"] = "another password"
    async with mail_app_with(mail_ca_file=smtp_sink.ca_file) as mail:
        await mail.switch_module(True)
        department_id = await _mailbox(mail, imap_port=free_port(), smtp_port=smtp_sink.port)
        smtp = await _test(mail, department_id, "smtp")
        assert smtp["ok"] is False and smtp["message"].startswith("535"), smtp


async def test_smtp_taking_the_login_passes(mail_app_with: Any, smtp_sink: SmtpSink) -> None:
    smtp_sink.users["support"] = PASSWORD
    async with mail_app_with(mail_ca_file=smtp_sink.ca_file) as mail:
        await mail.switch_module(True)
        department_id = await _mailbox(
            mail, imap_port=free_port(), smtp_port=smtp_sink.tls_port, smtp_tls="implicit"
        )
        smtp_result = await _test(mail, department_id, "smtp")
        assert smtp_result["ok"] is True and smtp_result["message"].startswith("250"), smtp_result


async def test_nothing_listening_is_a_connect_result(mail: Any) -> None:
    port = free_port()
    department_id = await _mailbox(mail, imap_port=port, smtp_port=port)
    imap = await _test(mail, department_id, "imap")
    assert imap["ok"] is False and imap["stage"] == "connect", imap
    assert f"127.0.0.1:{port}" in imap["message"], imap
    smtp = await _test(mail, department_id, "smtp")
    assert smtp["ok"] is False and smtp["stage"] == "connect", smtp
    assert f"127.0.0.1 on port {port}" in smtp["message"], smtp


async def test_implicit_tls_to_a_server_without_it_is_a_tls_result(mail: Any) -> None:
    async with _server(b"* OK plain text only\r\n") as imap:
        department_id = await _mailbox(mail, imap_port=imap, smtp_port=imap, tls="implicit")
        result = await _test(mail, department_id, "imap")
        assert result["ok"] is False and result["stage"] == "tls", result


async def test_a_server_that_says_nothing_is_a_timeout_result(mail_app_with: Any) -> None:
    async with mail_app_with(mail_test_timeout_seconds=0.5) as mail, _server(None) as silent:
        await mail.switch_module(True)
        department_id = await _mailbox(mail, imap_port=silent, smtp_port=silent)
        result = await _test(mail, department_id, "smtp")
        assert result == {"ok": False, "stage": "timeout", "message": "No answer within 0.5 s."}


async def test_a_server_that_sends_no_line_is_not_a_mail_server(mail_app_with: Any) -> None:
    async with mail_app_with(mail_test_timeout_seconds=1) as mail, _server(b"x" * 10_000) as babbling:
        await mail.switch_module(True)
        department_id = await _mailbox(mail, imap_port=babbling, smtp_port=babbling)
        started = time.monotonic()
        assert (await _test(mail, department_id, "imap"))["ok"] is False
        assert (await _test(mail, department_id, "smtp"))["ok"] is False
        assert time.monotonic() - started < 5


async def test_without_saved_servers_the_result_says_so(mail: Any) -> None:
    department_id = await mail.department_known()
    for server in ("imap", "smtp"):
        result = await _test(mail, department_id, server)
        assert result == {
            "ok": False,
            "stage": "settings",
            "message": f"No {server.upper()} server is saved.",
        }


async def test_imap_counts_the_saved_folder_named_outside_ascii(
    mail_app_with: Any, dovecot: DovecotServer
) -> None:
    user = dovecot.add_user()
    await dovecot.append(
        user, b"From: a@example.com\r\nSubject: one\r\n\r\nHello\r\n", folder_name("Поддержка")
    )
    async with mail_app_with(mail_ca_file=dovecot.ca_file) as mail:
        await mail.switch_module(True)
        department_id = await _mailbox(
            mail,
            imap_port=dovecot.tls_port,
            smtp_port=free_port(),
            tls="implicit",
            imap_username=user.name,
            imap_password=user.password,
            imap_folder="Поддержка",
        )
        passed = await _test(mail, department_id, "imap")
        assert passed == {"ok": True, "stage": "done", "message": "Connected; Поддержка holds 1 message."}
