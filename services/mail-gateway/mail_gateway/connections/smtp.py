"""Talking to a department's SMTP server with aiosmtplib, from an `Endpoint`: implicit TLS, STARTTLS or
none; password AUTH, or XOAUTH2/OAUTHBEARER with an access token; every refusal as `SmtpRefused` with
the server's own code and words. `send` delivers one message; `check` is the settings' "Test SMTP"."""

from __future__ import annotations

import base64
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TypeVar

import aiosmtplib
from aiosmtplib import (
    SMTPAuthenticationError,
    SMTPException,
    SMTPRecipientRefused,
    SMTPResponseException,
    SMTPServerDisconnected,
    SMTPTimeoutError,
)

from mail_gateway.connections.endpoint import Endpoint, ServerRefused

T = TypeVar("T")
AUTH_SUCCESSFUL = 235
AUTH_CONTINUE = 334


class SmtpRefused(ServerRefused):
    """A refusal with the server's reply code when there was one (None: the network, TLS, a timeout)."""

    def __init__(self, stage: str, words: str, *, code: int | None = None, credentials: bool = False) -> None:
        super().__init__(stage, words, credentials=credentials)
        self.code = code

    @property
    def permanent(self) -> bool:
        """A 5xx: the same message will not be accepted later (RFC 5321 4.2.1)."""
        return self.code is not None and 500 <= self.code < 600


class HandedOverUnanswered(Exception):
    """The connection ended after the message data was handed over and before the server answered:
    the server may have accepted it, so it must not be sent again on its own."""

    def __init__(self, words: str) -> None:
        super().__init__(words)
        self.words = words


@dataclass(frozen=True)
class Outgoing:
    sender: str
    recipients: list[str]
    message: bytes


async def send(
    endpoint: Endpoint,
    outgoing: Outgoing,
    *,
    command_seconds: float,
    access_token: str | None = None,
    before_data: Callable[[], Awaitable[None]] | None = None,
) -> str:
    """The server's words when it accepted the message (its reply to the end of DATA).

    `before_data` runs after the envelope was accepted and before DATA: the caller records there
    that from now on an interrupted attempt may have delivered the message."""
    async with _session(endpoint, command_seconds=command_seconds, access_token=access_token) as smtp:
        await _envelope(smtp, outgoing)
        if before_data is not None:
            await before_data()
        try:
            response = await smtp.data(outgoing.message)
        except SMTPResponseException as error:
            raise _refused("data", error) from error
        except (SMTPServerDisconnected, SMTPTimeoutError, OSError) as error:
            raise HandedOverUnanswered(_network_words(error)) from error
        return f"{response.code} {response.message}"


async def check(endpoint: Endpoint, *, command_seconds: float, access_token: str | None = None) -> str:
    """Connect, EHLO, authenticate and QUIT, as a send would; what the server said on the way."""
    async with _session(endpoint, command_seconds=command_seconds, access_token=access_token) as smtp:
        ehlo = smtp.last_ehlo_response
        return f"{ehlo.code} {ehlo.message.splitlines()[0]}" if ehlo is not None else "connected"


@asynccontextmanager
async def _session(
    endpoint: Endpoint, *, command_seconds: float, access_token: str | None
) -> AsyncIterator[aiosmtplib.SMTP]:
    smtp = aiosmtplib.SMTP(
        hostname=endpoint.host,
        port=endpoint.port,
        use_tls=endpoint.tls == "implicit",
        # False, not None, for "none": aiosmtplib would otherwise upgrade whenever it is offered.
        start_tls=endpoint.tls == "starttls",
        tls_context=endpoint.ssl_context(),
        timeout=command_seconds,
    )
    try:
        await smtp.connect()
    except SMTPResponseException as error:
        raise _refused("connect", error) from error
    except (SMTPException, OSError) as error:
        raise SmtpRefused("connect", _network_words(error)) from error
    try:
        if smtp.is_ehlo_or_helo_needed:
            await _guarded("ehlo", smtp.ehlo())
        await _authenticate(smtp, endpoint, access_token)
        yield smtp
    finally:
        # The message is already accepted or refused by now; a QUIT that fails changes nothing.
        with contextlib.suppress(SMTPException, OSError):
            await smtp.quit()
        smtp.close()


async def _authenticate(smtp: aiosmtplib.SMTP, endpoint: Endpoint, access_token: str | None) -> None:
    if endpoint.auth == "oauth2":
        if access_token is None or endpoint.oauth is None:
            raise SmtpRefused(
                "auth", "OAuth2 is chosen but no access token could be obtained", credentials=True
            )
        if endpoint.oauth.mechanism == "OAUTHBEARER":
            await _guarded("auth", _oauthbearer(smtp, endpoint.username, access_token))
        else:
            await _guarded("auth", smtp.auth_xoauth2(endpoint.username, access_token))
    elif endpoint.username:
        await _guarded("auth", smtp.login(endpoint.username, endpoint.password))


async def _oauthbearer(smtp: aiosmtplib.SMTP, username: str, access_token: str) -> None:
    """RFC 7628, which aiosmtplib lacks: on an error challenge the client answers with a lone ^A."""
    initial = base64.b64encode(f"n,a={username},\x01auth=Bearer {access_token}\x01\x01".encode())
    response = await smtp.execute_command(b"AUTH", b"OAUTHBEARER", initial)
    if response.code == AUTH_CONTINUE:
        response = await smtp.execute_command(base64.b64encode(b"\x01"))
    if response.code != AUTH_SUCCESSFUL:
        raise SMTPAuthenticationError(response.code, response.message)


async def _envelope(smtp: aiosmtplib.SMTP, outgoing: Outgoing) -> None:
    await _guarded("mail from", smtp.mail(outgoing.sender))
    for recipient in outgoing.recipients:
        await _guarded("rcpt to", smtp.rcpt(recipient))


async def _guarded(stage: str, operation: Awaitable[T]) -> T:
    try:
        return await operation
    except SMTPRecipientRefused as error:
        raise SmtpRefused(
            stage, f"{error.code} {error.message} ({error.recipient})", code=error.code
        ) from error
    except SMTPResponseException as error:
        raise _refused(stage, error) from error
    except (SMTPException, OSError) as error:
        raise SmtpRefused(stage, _network_words(error)) from error


def _refused(stage: str, error: SMTPResponseException) -> SmtpRefused:
    return SmtpRefused(
        stage,
        f"{error.code} {error.message}",
        code=error.code,
        credentials=isinstance(error, SMTPAuthenticationError),
    )


def _network_words(error: BaseException) -> str:
    return str(error) or type(error).__name__
