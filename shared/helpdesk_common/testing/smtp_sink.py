"""A real SMTP server for tests (aiosmtpd) on free loopback ports: plain with STARTTLS offered on
one, implicit TLS on another, both with a certificate from a CA of its own that clients trust through
`ca_file`. It authenticates PLAIN/LOGIN against `users` and XOAUTH2/OAUTHBEARER against `tokens`,
keeps every accepted message (envelope and raw bytes), and can be told to refuse the next messages,
drop the connection after DATA's 250, or hold a message it has accepted before answering (to kill
a sender at that moment)."""

from __future__ import annotations

import asyncio
import base64
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from helpdesk_common.embedded import free_port
from helpdesk_common.testing.certificates import write_server_certificates

HOST = "127.0.0.1"


@dataclass(frozen=True)
class AcceptedMessage:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    # Who authenticated on the connection (a user name, or the token's user), if anyone.
    login: str | None
    tls: bool

    def parsed(self) -> EmailMessage:
        parsed = message_from_bytes(self.data, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Hold:
    """A message the sink stored and is not answering yet: `accepted` is set once it is stored."""

    accepted: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        return await self.sink._receive(server, session, envelope)

    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:
        # user=NAME\x01auth=Bearer TOKEN\x01\x01
        return await self._bearer(server, args, "XOAUTH2")

    async def auth_OAUTHBEARER(self, server: SMTP, args: list[str]) -> AuthResult:
        # n,a=NAME,\x01auth=Bearer TOKEN\x01\x01 (RFC 7628)
        return await self._bearer(server, args, "OAUTHBEARER")

    async def _bearer(self, server: SMTP, args: list[str], mechanism: str) -> AuthResult:
        if len(args) < 2:
            answer = await server.challenge_auth("")
            if not isinstance(answer, bytes):
                return AuthResult(success=False, handled=True)
            blob = answer
        else:
            try:
                blob = base64.b64decode(args[1], validate=True)
            except ValueError:
                await server.push("501 5.5.2 Can't decode base64")
                return AuthResult(success=False, handled=True)
        user, token = _bearer_parts(blob.decode("utf-8", "replace"), mechanism)
        if token in self.sink.tokens:
            return AuthResult(success=True, auth_data=LoginPassword(user.encode(), b""))
        # Both mechanisms answer a refused token with an error challenge the client acknowledges.
        await server.challenge_auth('{"status":"401","schemes":"bearer"}')
        return AuthResult(
            success=False, handled=False, message="535 5.7.8 Username and Password not accepted"
        )


def _bearer_parts(text: str, mechanism: str) -> tuple[str, str]:
    fields = text.split("\x01")
    user = ""
    token = ""
    head = fields[0]
    if mechanism == "XOAUTH2" and head.startswith("user="):
        user = head.removeprefix("user=")
    elif mechanism == "OAUTHBEARER":
        user = next((part[2:] for part in head.split(",") if part.startswith("a=")), "")
    for part in fields[1:]:
        if part.startswith("auth=Bearer "):
            token = part.removeprefix("auth=Bearer ")
    return user, token


class SmtpSink:
    def __init__(self, work_dir: Path) -> None:
        self.host = HOST
        self.port = free_port()
        self.tls_port = free_port()
        self.ca_file, self._server_context = _certificates(work_dir)
        self.users: dict[str, str] = {}
        self.tokens: set[str] = set()
        self.messages: list[AcceptedMessage] = []
        self._refusals: list[str] = []
        self._drops = 0
        self._holds: list[Hold] = []
        self._servers: list[asyncio.Server] = []
        self._arrived = asyncio.Condition()

    def refuse_next(self, count: int, answer: str) -> None:
        """The next `count` messages are answered with `answer` (e.g. "451 4.3.0 Try again later")
        after DATA and not kept."""
        self._refusals.extend([answer] * count)

    def drop_after_accepting(self, count: int = 1) -> None:
        """The next `count` messages are kept and answered 250, then the connection is closed."""
        self._drops += count

    def hold_next(self) -> Hold:
        """The next message is kept, then left unanswered until `release` is set."""
        hold = Hold()
        self._holds.append(hold)
        return hold

    async def wait_for(self, count: int, *, within: float = 15.0) -> list[AcceptedMessage]:
        async with self._arrived:
            await asyncio.wait_for(self._arrived.wait_for(lambda: len(self.messages) >= count), within)
        return list(self.messages)

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        handler = _Handler(self)
        self._servers = [
            await loop.create_server(
                lambda: self._smtp(handler, starttls=True), self.host, self.port, reuse_address=True
            ),
            await loop.create_server(
                lambda: self._smtp(handler, starttls=False),
                self.host,
                self.tls_port,
                ssl=self._server_context,
                reuse_address=True,
            ),
        ]

    async def stop(self) -> None:
        for server in self._servers:
            server.close()
        for hold in self._holds:
            hold.release.set()
        for server in self._servers:
            await server.wait_closed()

    def _smtp(self, handler: _Handler, *, starttls: bool) -> SMTP:
        return SMTP(
            handler,
            hostname="sink.test",
            tls_context=self._server_context if starttls else None,
            # Tests try AUTH without TLS too; whether that is allowed is the client's rule.
            auth_require_tls=False,
            authenticator=self._authenticate,
        )

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            user, password = auth_data.login.decode(), auth_data.password.decode()
            if self.users.get(user) == password:
                return AuthResult(success=True, auth_data=auth_data)
        return AuthResult(success=False, handled=False)

    async def _receive(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self._refusals:
            return self._refusals.pop(0)
        login = getattr(session.auth_data, "login", None)
        accepted = AcceptedMessage(
            mail_from=envelope.mail_from or "",
            rcpt_tos=list(envelope.rcpt_tos),
            data=bytes(envelope.original_content or envelope.content or b""),  # type: ignore[arg-type]
            login=login.decode() if isinstance(login, bytes) else None,
            tls=server.transport is not None and server.transport.get_extra_info("ssl_object") is not None,
        )
        async with self._arrived:
            self.messages.append(accepted)
            self._arrived.notify_all()
        if self._holds:
            hold = self._holds.pop(0)
            hold.accepted.set()
            await hold.release.wait()
        if self._drops:
            self._drops -= 1
            transport = server.transport
            if transport is not None:
                # After the 250 is written: close() flushes what is buffered, then hangs up.
                asyncio.get_running_loop().call_soon(transport.close)
        return "250 2.0.0 OK queued as sink"


@asynccontextmanager
async def running_sink(work_dir: Path) -> AsyncIterator[SmtpSink]:
    sink = SmtpSink(work_dir)
    await sink.start()
    try:
        yield sink
    finally:
        await sink.stop()


def _certificates(work_dir: Path) -> tuple[str, ssl.SSLContext]:
    """The CA's file path, and the server's TLS context with the certificate it signed."""
    written = write_server_certificates(work_dir)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(written.certificate_file, written.key_file)
    return str(written.ca_file), context
