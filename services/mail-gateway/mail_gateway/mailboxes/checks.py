"""The test actions' connection checks, as a protocol: `async def check(endpoint) -> str` answers what
the server said when all went well and raises `ServerRefused` with its own words otherwise.

The checks that log in are the connection modules' (connections/imap.py, connections/smtp.py, built
beside this one); until they are wired in through `MailboxChecks`, the defaults here go as far as the
greeting: the TCP connection, implicit TLS with the certificate verified, and the server's first
line. STARTTLS and the login are not tried by these defaults."""

from __future__ import annotations

import asyncio
import os
import ssl
from dataclasses import dataclass
from typing import Protocol

from mail_gateway.config import MailGatewaySettings
from mail_gateway.connections import smtp
from mail_gateway.connections.endpoint import Endpoint, ServerRefused
from mail_gateway.sending._endpoint_stand_in import access_token

# A greeting is one short line; a server that sends more without a line break is not a mail server.
GREETING_LIMIT = 4096


class ConnectionCheck(Protocol):
    async def __call__(self, endpoint: Endpoint) -> str: ...


@dataclass(frozen=True)
class MailboxChecks:
    imap: ConnectionCheck
    smtp: ConnectionCheck


async def imap_greeting(endpoint: Endpoint) -> str:
    return await _greeting(endpoint, expected=("* OK", "* PREAUTH"))


async def smtp_greeting(endpoint: Endpoint) -> str:
    return await _greeting(endpoint, expected=("220",))


GREETING_CHECKS = MailboxChecks(imap=imap_greeting, smtp=smtp_greeting)


def connection_checks(settings: MailGatewaySettings) -> MailboxChecks:
    """What the test actions run: SMTP as a send would (connect, TLS, EHLO, login, QUIT); IMAP to
    its greeting until connections/imap.py takes it over."""

    async def smtp_login(endpoint: Endpoint) -> str:
        token = await access_token(endpoint.oauth) if endpoint.oauth is not None else None
        return await smtp.check(
            endpoint, command_seconds=settings.mail_test_timeout_seconds, access_token=token
        )

    return MailboxChecks(imap=imap_greeting, smtp=smtp_login)


async def _greeting(endpoint: Endpoint, *, expected: tuple[str, ...]) -> str:
    context = endpoint.ssl_context() if endpoint.tls == "implicit" else None
    try:
        reader, writer = await asyncio.open_connection(
            endpoint.host, endpoint.port, ssl=context, limit=GREETING_LIMIT
        )
    except ssl.SSLError as error:
        raise ServerRefused("tls", _words(error)) from error
    except OSError as error:
        where = f"{endpoint.host}:{endpoint.port}"
        raise ServerRefused("connect", f"{_words(error)} ({where})") from error
    try:
        try:
            line = await reader.readline()
        except (ValueError, asyncio.LimitOverrunError) as error:
            raise ServerRefused("greeting", "The server's greeting is not a line of text.") from error
        except OSError as error:
            raise ServerRefused("greeting", _words(error)) from error
        greeting = line.decode("utf-8", "replace").strip()
        if not greeting:
            raise ServerRefused("greeting", "The server closed the connection without a greeting.")
        if not greeting.upper().startswith(expected):
            raise ServerRefused("greeting", greeting)
        return greeting
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except (OSError, ssl.SSLError):
            pass


def _words(error: BaseException) -> str:
    if isinstance(error, OSError) and error.errno and not isinstance(error, ssl.SSLError):
        return os.strerror(error.errno)
    return str(error) or type(error).__name__
