"""The test actions (Test IMAP, Test SMTP) against real TCP servers on loopback: the server's own
words come back as a 200 result, and so does a server that is not there or does not answer.

What connects is `MailboxChecks` (mailboxes/checks.py): Test SMTP logs in as a send would (against
the real aiosmtpd sink); Test IMAP goes as far as the server's greeting until connections/imap.py
takes it over, so the IMAP servers here speak only their first line."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

from helpdesk_common.embedded import free_port
from helpdesk_common.testing.smtp_sink import SmtpSink

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
    mail: Any, *, imap_port: int, smtp_port: int, tls: str = "starttls", smtp_tls: str | None = None
) -> uuid.UUID:
    department_id: uuid.UUID = await mail.department_known()
    body = {
        "imap_host": "127.0.0.1",
        "imap_port": imap_port,
        "imap_tls": tls,
        "imap_username": "support",
        "imap_password": PASSWORD,
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


async def test_a_server_s_refusal_is_reported_in_its_own_words(
    mail_app_with: Any, smtp_sink: SmtpSink
) -> None:
    smtp_sink.users["support"] = "another password"
    async with (
        mail_app_with(mail_ca_file=smtp_sink.ca_file) as mail,
        _server(b"* BYE Too many connections from your address\r\n") as imap,
    ):
        await mail.switch_module(True)
        department_id = await _mailbox(mail, imap_port=imap, smtp_port=smtp_sink.port)
        assert await _test(mail, department_id, "imap") == {
            "ok": False,
            "stage": "greeting",
            "message": "* BYE Too many connections from your address",
        }
        smtp = await _test(mail, department_id, "smtp")
        assert smtp["ok"] is False and smtp["message"].startswith("535"), smtp


async def test_a_server_that_greets_and_takes_the_login_passes(
    mail_app_with: Any, smtp_sink: SmtpSink
) -> None:
    smtp_sink.users["support"] = PASSWORD
    async with (
        mail_app_with(mail_ca_file=smtp_sink.ca_file) as mail,
        _server(b"* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n") as imap,
    ):
        await mail.switch_module(True)
        department_id = await _mailbox(
            mail, imap_port=imap, smtp_port=smtp_sink.tls_port, smtp_tls="implicit"
        )
        imap_result = await _test(mail, department_id, "imap")
        assert imap_result == {
            "ok": True,
            "stage": "done",
            "message": "* OK [CAPABILITY IMAP4rev1 STARTTLS] ready",
        }
        smtp_result = await _test(mail, department_id, "smtp")
        assert smtp_result["ok"] is True and smtp_result["message"].startswith("250"), smtp_result


async def test_nothing_listening_is_a_connect_result(mail: Any) -> None:
    port = free_port()
    department_id = await _mailbox(mail, imap_port=port, smtp_port=port)
    imap = await _test(mail, department_id, "imap")
    assert imap["ok"] is False and imap["stage"] == "connect"
    assert imap["message"].startswith("Connection refused (127.0.0.1:"), imap
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


async def test_a_server_that_sends_no_line_is_not_a_mail_server(mail: Any) -> None:
    async with _server(b"x" * 10_000) as babbling:
        department_id = await _mailbox(mail, imap_port=babbling, smtp_port=babbling)
        imap = await _test(mail, department_id, "imap")
        assert imap == {
            "ok": False,
            "stage": "greeting",
            "message": "The server's greeting is not a line of text.",
        }
        assert (await _test(mail, department_id, "smtp"))["ok"] is False


async def test_without_saved_servers_the_result_says_so(mail: Any) -> None:
    department_id = await mail.department_known()
    for server in ("imap", "smtp"):
        result = await _test(mail, department_id, server)
        assert result == {
            "ok": False,
            "stage": "settings",
            "message": f"No {server.upper()} server is saved.",
        }
