"""One IMAP connection of a mailbox (aioimaplib): implicit TLS, STARTTLS or none, certificates always
verified; LOGIN or AUTHENTICATE XOAUTH2/OAUTHBEARER; the few commands the poller and the settings'
test action use. Every refusal is a `ServerRefused` in the server's own words."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import re
import ssl
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

import aioimaplib

from mail_gateway.connections.endpoint import Endpoint, ServerRefused
from mail_gateway.connections.oauth import AccessTokens

IMPORTED_KEYWORD = "$HelpdeskImported"

_T = TypeVar("_T")
_FETCH_LINE = re.compile(rb"^\d+ FETCH \(")
_UID = re.compile(rb"UID (\d+)")
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")
_LITERAL = re.compile(rb"\{(\d+)\}$")
_UIDVALIDITY = re.compile(rb"\[UIDVALIDITY (\d+)\]")
_UIDNEXT = re.compile(rb"\[UIDNEXT (\d+)\]")
_EXISTS = re.compile(rb"^(\d+) EXISTS")
_UNTAGGED_EXISTS = re.compile(rb"^\* \d+ EXISTS")
_CODE = re.compile(r"^\[([A-Z-]+)")
# A literal the server announces larger than this is refused rather than allocated.
_LARGEST_LITERAL = 1 << 30
# Response codes of a NO that are about the server, not the credentials (RFC 5530).
_NOT_CREDENTIALS = {"UNAVAILABLE", "SERVERBUG", "PRIVACYREQUIRED", "CONTACTADMIN", "LIMIT", "INUSE"}


@dataclass(frozen=True)
class FolderState:
    uidvalidity: int
    exists: int
    uidnext: int | None


@dataclass(frozen=True)
class Message:
    uid: int
    # The literal exactly as the server sent it, not copied again (a message may be tens of MB).
    raw: bytearray


class ImapConnection:
    def __init__(self, endpoint: Endpoint, timeout_seconds: float) -> None:
        self.endpoint = endpoint
        self.timeout_seconds = timeout_seconds
        self.lost = asyncio.Event()
        self._aborted = False
        self._client: aioimaplib.IMAP4 | None = None

    @classmethod
    async def open(
        cls, endpoint: Endpoint, *, tokens: AccessTokens | None = None, timeout_seconds: float = 30.0
    ) -> ImapConnection:
        """Connected, secured as the endpoint says, and authenticated."""
        connection = cls(endpoint, timeout_seconds)
        try:
            await connection._connect()
            await connection._authenticate(tokens or AccessTokens())
        except BaseException:
            connection.abort()
            raise
        return connection

    @property
    def client(self) -> aioimaplib.IMAP4:
        assert self._client is not None
        return self._client

    @property
    def protocol(self) -> _Protocol:
        protocol = self.client.protocol
        assert isinstance(protocol, _Protocol)
        return protocol

    @property
    def offers_idle(self) -> bool:
        return "IDLE" in self.protocol.capabilities

    async def _connect(self) -> None:
        endpoint = self.endpoint
        context = endpoint.ssl_context() if endpoint.tls != "none" else None
        self._client = _Client(
            endpoint.host,
            endpoint.port,
            timeout=self.timeout_seconds,
            conn_lost_cb=lambda _: self.lost.set(),
            ssl_context=context if endpoint.tls == "implicit" else None,
        )
        try:
            await self._hello()
        except ssl.SSLError as error:
            raise ServerRefused("tls", _tls_words(error)) from None
        except TimeoutError:
            raise ServerRefused(
                "connect",
                f"no IMAP greeting from {endpoint.host}:{endpoint.port} within {self.timeout_seconds:g} s",
            ) from None
        except OSError as error:
            raise ServerRefused(
                "connect", f"{endpoint.host}:{endpoint.port}: {error.strerror or error}"
            ) from None
        if endpoint.tls == "starttls":
            assert context is not None
            await self._starttls(context)

    async def _hello(self) -> None:
        """The server's greeting; a refusing one (BYE) answered at once in its own words."""
        hello = asyncio.ensure_future(self.client.wait_hello_from_server())
        try:
            while not hello.done():
                protocol = getattr(self.client, "protocol", None)
                refused = protocol.refused_greeting if isinstance(protocol, _Protocol) else None
                waiting: set[asyncio.Future[Any]] = {hello} | ({refused} if refused is not None else set())
                await asyncio.wait(
                    waiting,
                    timeout=None if refused is not None else 0.05,
                    return_when=asyncio.FIRST_COMPLETED,
                )
                if refused is not None and refused.done():
                    raise ServerRefused("greeting", refused.result())
            hello.result()
        finally:
            hello.cancel()

    async def _starttls(self, context: ssl.SSLContext) -> None:
        protocol = self.protocol
        if "STARTTLS" not in protocol.capabilities:
            raise ServerRefused("starttls", "the server does not offer STARTTLS")
        command = aioimaplib.Command("STARTTLS", protocol.new_tag(), loop=protocol.loop)
        response = await self._run("starttls", protocol.execute(command))
        _expect_ok("starttls", response)
        loop = asyncio.get_running_loop()
        try:
            protocol.transport = await asyncio.wait_for(
                loop.start_tls(protocol.transport, protocol, context, server_hostname=self.endpoint.host),
                self.timeout_seconds,
            )
        except ssl.SSLError as error:
            raise ServerRefused("tls", _tls_words(error)) from None
        except (TimeoutError, OSError) as error:
            raise ServerRefused("tls", f"the TLS handshake failed: {error or 'timed out'}") from None
        # Capabilities before STARTTLS cannot be trusted (RFC 3501 section 6.2.1).
        await self._run("capability", protocol.capability())

    async def _authenticate(self, tokens: AccessTokens) -> None:
        endpoint = self.endpoint
        if endpoint.auth == "oauth2":
            if endpoint.oauth is None:
                raise ServerRefused("authenticate", "no OAuth2 client is configured", credentials=True)
            token = await tokens.token(endpoint.oauth)
            try:
                await self._sasl(endpoint.oauth.mechanism, token)
            except ServerRefused as refused:
                if refused.credentials:
                    tokens.forget(endpoint.oauth)
                raise
            return
        try:
            command = aioimaplib.Command(
                "LOGIN",
                self.protocol.new_tag(),
                aioimaplib.quoted(endpoint.username),
                aioimaplib.quoted(endpoint.password),
                loop=self.protocol.loop,
            )
        except ValueError:
            raise ServerRefused(
                "login", "the username or password holds a line break or NUL", credentials=True
            ) from None
        if "LOGINDISABLED" in self.protocol.capabilities:
            raise ServerRefused("login", "the server refuses LOGIN on a connection without TLS")
        response = await self._run("login", self.protocol.execute(command, scrub=endpoint.password))
        _expect_authenticated("login", response)
        self.protocol.state = aioimaplib.AUTH
        await self._authenticated(response)

    async def _sasl(self, mechanism: str, token: str) -> None:
        endpoint = self.endpoint
        if f"AUTH={mechanism}" not in self.protocol.capabilities:
            raise ServerRefused("authenticate", f"the server does not offer {mechanism}")
        if mechanism == "XOAUTH2":
            message = f"user={endpoint.username}\x01auth=Bearer {token}\x01\x01"
            # After a failure the server sends its error as a challenge and waits for an empty answer.
            dummy = ""
        else:
            # RFC 7628: the GS2 header, then host, port and the bearer token; a failure's challenge is
            # answered with %x01.
            message = (
                f"n,a={endpoint.username},\x01host={endpoint.host}\x01port={endpoint.port}"
                f"\x01auth=Bearer {token}\x01\x01"
            )
            dummy = base64.b64encode(b"\x01").decode()
        initial = base64.b64encode(message.encode()).decode()
        with_initial = "SASL-IR" in self.protocol.capabilities
        command = _Authenticate(
            self.protocol,
            mechanism,
            initial if with_initial else None,
            [dummy] if with_initial else [initial, dummy],
        )
        response = await self._run("authenticate", self.protocol.execute(command, scrub=initial))
        _expect_authenticated("authenticate", response, challenges=command.challenges)
        self.protocol.state = aioimaplib.AUTH
        await self._authenticated(response)

    async def _authenticated(self, response: aioimaplib.Response) -> None:
        # Capabilities may grow after authentication; Dovecot states them in its OK.
        stated = [line for line in response.lines if isinstance(line, bytes) and b"[CAPABILITY " in line]
        if stated:
            words = stated[-1].decode(errors="replace").split("[CAPABILITY ", 1)[1].split("]", 1)[0]
            self.protocol.capabilities = set(words.split())
        else:
            await self._run("capability", self.protocol.capability())

    async def select(self, folder: str) -> FolderState:
        response = await self._run("select", self.client.select(aioimaplib.quoted(folder_name(folder))))
        _expect_ok("select", response)
        # What SELECT itself counted is no news; an EXISTS from here on is.
        self.protocol.news.clear()
        uidvalidity = uidnext = exists = None
        for line in response.lines:
            if not isinstance(line, bytes):
                continue
            if found := _UIDVALIDITY.search(line):
                uidvalidity = int(found.group(1))
            if found := _UIDNEXT.search(line):
                uidnext = int(found.group(1))
            if found := _EXISTS.match(line):
                exists = int(found.group(1))
        if uidvalidity is None:
            raise ServerRefused("select", f"the server stated no UIDVALIDITY for {folder}")
        return FolderState(uidvalidity, exists or 0, uidnext)

    async def uids(self, criteria: str) -> list[int]:
        """UID SEARCH with these criteria, in ascending order."""
        response = await self._run(
            "search", self.protocol.search(*criteria.split(), charset=None, by_uid=True)
        )
        _expect_ok("search", response)
        found: set[int] = set()
        for line in response.lines[:-1]:
            if isinstance(line, bytes):
                found.update(int(word) for word in line.split() if word.isdigit())
        return sorted(found)

    async def uids_above(self, last_uid: int) -> list[int]:
        # `n:*` always includes the highest UID, even below n (RFC 3501 section 6.4.8).
        return [uid for uid in await self.uids(f"UID {last_uid + 1}:*") if uid > last_uid]

    async def sizes(self, uids: Iterable[int]) -> dict[int, int]:
        response = await self._fetch(uids, "(UID RFC822.SIZE)")
        sizes: dict[int, int] = {}
        for line in response.lines:
            if isinstance(line, bytes) and (uid := _UID.search(line)) and (size := _SIZE.search(line)):
                sizes[int(uid.group(1))] = int(size.group(1))
        return sizes

    async def fetch(self, uids: Iterable[int]) -> list[Message]:
        """Whole messages (BODY.PEEK[]: nothing is marked seen by fetching)."""
        return _literals((await self._fetch(uids, "(UID BODY.PEEK[])")).lines)

    async def headers(self, uids: Iterable[int], field: str) -> list[Message]:
        """One header field of each message, as the literal the server sends."""
        return _literals((await self._fetch(uids, f"(UID BODY.PEEK[HEADER.FIELDS ({field})])")).lines)

    async def _fetch(self, uids: Iterable[int], items: str) -> aioimaplib.Response:
        """Every UID FETCH goes through `_Fetch`: aioimaplib's own command rescans its whole response
        on each line, so one over a folder's UIDs grows with their square (`make bench-mail`)."""
        protocol = self.protocol
        command = _Fetch(
            protocol.new_tag(),
            uid_set(uids),
            items,
            prefix="UID",
            loop=protocol.loop,
            timeout=self.timeout_seconds,
        )
        response = await self._run("fetch", protocol.execute(command), bounded=False)
        _expect_ok("fetch", response)
        return response

    async def add_flags(self, uids: Iterable[int], flags: str) -> None:
        response = await self._run(
            "store", self.protocol.store(uid_set(uids), "+FLAGS.SILENT", f"({flags})", by_uid=True)
        )
        _expect_ok("store", response)

    async def wait_for_news(self, seconds: float, stop: asyncio.Event) -> bool:
        """IDLE until the server announces a new message (EXISTS), `seconds` pass, `stop` is set or
        the connection is lost; True for news. The server may announce other changes meanwhile."""
        client = self.client
        if self.protocol.news.is_set():
            return True
        idle = await self._run("idle", client.idle_start(timeout=seconds))
        try:
            while True:
                push = asyncio.ensure_future(client.wait_server_push(timeout=seconds + 5))
                waits = [push, asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self.lost.wait())]
                try:
                    await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    for waiting in waits[1:]:
                        waiting.cancel()
                if not push.done():
                    push.cancel()
                    if self.lost.is_set():
                        raise ServerRefused("idle", "the server closed the connection")
                    return False
                if push.exception() is not None:
                    return False
                lines = push.result()
                if lines == aioimaplib.STOP_WAIT_SERVER_PUSH:
                    return False
                if any(isinstance(line, bytes) and _EXISTS.match(line) for line in lines):
                    return True
        finally:
            if not self.lost.is_set() and client.has_pending_idle():
                client.idle_done()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(idle, self.timeout_seconds)

    async def noop(self) -> None:
        _expect_ok("noop", await self._run("noop", self.client.noop()))

    async def close(self) -> None:
        """LOGOUT, politely; a connection that cannot is dropped."""
        if self._client is not None and not self.lost.is_set() and not self._aborted:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.client.logout(), min(self.timeout_seconds, 5.0))
        self.abort()

    def abort(self) -> None:
        self._aborted = True
        if self._client is not None and self.protocol.transport is not None:
            self.protocol.transport.close()

    async def _run(self, stage: str, work: Awaitable[_T], *, bounded: bool = True) -> _T:
        """The command, unless the connection is lost first (aioimaplib would wait for its timeout) or,
        when `bounded`, no answer comes within the timeout (a FETCH has its own, renewed as data
        arrives). A connection whose command was abandoned is dropped: its state is unknown."""
        command = asyncio.ensure_future(work)
        lost = asyncio.ensure_future(self.lost.wait())
        try:
            await asyncio.wait(
                [command, lost],
                timeout=self.timeout_seconds if bounded else None,
                return_when=asyncio.FIRST_COMPLETED,
            )
        except BaseException:
            command.cancel()
            self.abort()
            raise
        finally:
            lost.cancel()
        if not command.done():
            command.cancel()
            self.abort()
            if self.lost.is_set():
                raise ServerRefused(stage, "the server closed the connection")
            raise ServerRefused(stage, f"no answer within {self.timeout_seconds:g} s")
        try:
            return command.result()
        except (TimeoutError, aioimaplib.CommandTimeout):
            self.abort()
            raise ServerRefused(stage, f"no answer within {self.timeout_seconds:g} s") from None
        except aioimaplib.Abort as error:
            self.abort()
            raise ServerRefused(stage, str(error)) from None


class _Protocol(aioimaplib.IMAP4ClientProtocol):
    """aioimaplib's protocol, its response loop made iterative: the original recurses once per line
    of a received chunk (a FETCH of many small messages exceeds Python's recursion limit) and copies
    the rest of the chunk at every line. It also notes every EXISTS, whatever command it came with:
    one that arrives before IDLE starts would otherwise be missed until IDLE is renewed."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, conn_lost_cb: Callable[[Exception | None], None] | None
    ) -> None:
        super().__init__(loop, conn_lost_cb)
        self.news = asyncio.Event()
        # A greeting that is neither OK nor PREAUTH (a BYE): aioimaplib fails it in a task of its
        # own and the hello is never awaited to the end; the connection's opener reads it here.
        self.refused_greeting: asyncio.Future[str] = loop.create_future()

    async def welcome(self, command: bytes) -> None:
        if b"OK" not in command and b"PREAUTH" not in command and not self.refused_greeting.done():
            self.refused_greeting.set_result(command.decode("utf-8", "replace").strip())
            return
        await super().welcome(command)

    def _untagged_response(self, line: bytes) -> aioimaplib.Command:
        if _UNTAGGED_EXISTS.match(line):
            self.news.set()
        return super()._untagged_response(line)

    def _handle_responses(
        self,
        data: bytes,
        line_handler: Callable[[bytes, aioimaplib.Command], aioimaplib.Command | None],
        current_cmd: aioimaplib.Command | None = None,
    ) -> None:
        position = 0
        while True:
            if position >= len(data):
                if self.pending_sync_command is not None:
                    self.pending_sync_command.flush()
                if current_cmd is not None and current_cmd.wait_data():
                    raise aioimaplib.IncompleteRead(current_cmd)
                return
            if current_cmd is not None and current_cmd.wait_literal_data():
                rest = current_cmd.append_literal_data(memoryview(data)[position:])  # type: ignore[arg-type]
                position = len(data) - len(rest)
                if current_cmd.wait_literal_data():
                    raise aioimaplib.IncompleteRead(current_cmd)
            end = data.find(b"\r\n", position)
            if end < 0:
                raise aioimaplib.IncompleteRead(current_cmd, data[position:])
            line = data[position:end]
            position = end + 2
            command = line_handler(line, current_cmd)
            literal = aioimaplib.literal_data_re.match(line)
            if literal:
                if command is None:
                    command = aioimaplib.Command("NIL", "unused")
                command.begin_literal_data(int(literal.group("size")))
                current_cmd = command
            elif command is not None and command.wait_data():
                current_cmd = command
            else:
                current_cmd = None


class _Client(aioimaplib.IMAP4):
    def create_client(
        self,
        host: str,
        port: int,
        loop: asyncio.AbstractEventLoop,
        conn_lost_cb: Callable[[Exception | None], None] | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        local_loop = loop if loop is not None else asyncio.get_running_loop()
        self.protocol = _Protocol(local_loop, conn_lost_cb)
        self._client_task = local_loop.create_task(
            local_loop.create_connection(lambda: self.protocol, host, port, ssl=ssl_context)
        )


class _Fetch(aioimaplib.FetchCommand):
    """A FETCH whose literals are received into a buffer of the announced size: aioimaplib grows one
    as data comes, and each growth may copy it, which for a large message means it is briefly in
    memory twice."""

    def begin_literal_data(self, expected_size: int, literal_data: bytes = b"") -> bytes:
        if expected_size > _LARGEST_LITERAL:
            raise aioimaplib.Abort(f"the server announced a literal of {expected_size} bytes")
        self._expected_size = expected_size
        self._resp_literal_data = bytearray(expected_size)
        self._filled = 0
        return self.append_literal_data(literal_data)

    def wait_literal_data(self) -> bool:
        return self._expected_size != 0 and getattr(self, "_filled", 0) != self._expected_size

    def append_literal_data(self, data: bytes) -> bytes:
        taken = min(self._expected_size - self._filled, len(data))
        self._resp_literal_data[self._filled : self._filled + taken] = memoryview(data)[:taken]
        self._filled += taken
        if not self.wait_literal_data():
            self.append_to_resp(self._resp_literal_data)
            self._end_literal_data()
        self._reset_timer()
        return data[taken:]

    def _end_literal_data(self) -> None:
        self._expected_size = 0
        self._filled = 0
        self._resp_literal_data = bytearray()

    def wait_data(self) -> bool:
        """aioimaplib's answer (the last message's parentheses not yet closed), kept up as lines come
        instead of rescanning every line of the batch on each one, which made a batch's fetch grow
        with the square of its messages (`make bench-mail`). Literals are not counted, as there."""
        lines = self._resp_lines
        scanned = getattr(self, "_scanned", 0)
        balance = getattr(self, "_balance", 0)
        for line in lines[scanned:]:
            if type(line) is not bytes:
                continue
            if self.FETCH_MESSAGE_DATA_RE.match(line):
                balance = 0
            balance += line.count(b"(") - line.count(b")")
        self._scanned = len(lines)
        self._balance = balance
        return balance != 0


class _Authenticate(aioimaplib.Command):
    """AUTHENTICATE that answers the server's continuations in turn (aioimaplib only collects them)."""

    def __init__(
        self,
        protocol: aioimaplib.IMAP4ClientProtocol,
        mechanism: str,
        initial: str | None,
        answers: list[str],
    ) -> None:
        arguments = (mechanism, initial) if initial else (mechanism,)
        super().__init__("AUTHENTICATE", protocol.new_tag(), *arguments, loop=protocol.loop)
        self._protocol = protocol
        self._answers = answers
        self._asked = 0
        self._answered = 0
        self.challenges: list[bytes] = []

    def append_to_resp(self, line: bytes, result: str = "Pending") -> None:
        if result == "Pending" and isinstance(line, bytes) and line.startswith(b"+"):
            self.challenges.append(line[1:].strip())
            self._asked += 1
        super().append_to_resp(line, result)

    def flush(self) -> None:
        while self._answered < self._asked:
            # A challenge beyond the planned answers is cancelled (RFC 3501 section 6.2.2).
            answer = self._answers[self._answered] if self._answered < len(self._answers) else "*"
            self._protocol.transport.write(answer.encode() + b"\r\n")
            self._answered += 1


def uid_set(uids: Iterable[int]) -> str:
    """`1:4,7,9:10` for 1 2 3 4 7 9 10."""
    ordered = sorted(set(uids))
    if not ordered:
        raise ValueError("an empty UID set")
    ranges: list[str] = []
    start = previous = ordered[0]
    for uid in ordered[1:]:
        if uid == previous + 1:
            previous = uid
            continue
        ranges.append(f"{start}:{previous}" if previous > start else str(start))
        start = previous = uid
    ranges.append(f"{start}:{previous}" if previous > start else str(start))
    return ",".join(ranges)


def _literals(lines: list[Any]) -> list[Message]:
    """The messages of a FETCH response: each `N FETCH (... {size}` line is followed by its literal;
    the UID may come before the literal or after it."""
    messages: list[Message] = []
    position = 0
    while position < len(lines):
        line = lines[position]
        if isinstance(line, bytes) and _FETCH_LINE.match(line) and _LITERAL.search(line):
            literal = lines[position + 1] if position + 1 < len(lines) else bytearray()
            uid = _UID.search(line)
            if uid is None and position + 2 < len(lines) and isinstance(lines[position + 2], bytes):
                uid = _UID.search(lines[position + 2])
            if uid is not None:
                messages.append(
                    Message(
                        int(uid.group(1)), literal if isinstance(literal, bytearray) else bytearray(literal)
                    )
                )
            position += 2
            continue
        position += 1
    return messages


def _text(response: aioimaplib.Response) -> str:
    last = response.lines[-1] if response.lines else b""
    return bytes(last).decode(errors="replace").strip() if isinstance(last, bytes | bytearray) else str(last)


def _expect_ok(stage: str, response: aioimaplib.Response) -> None:
    if response.result != "OK":
        raise ServerRefused(stage, f"{response.result} {_text(response)}".strip())


def _expect_authenticated(
    stage: str, response: aioimaplib.Response, *, challenges: list[bytes] | None = None
) -> None:
    if response.result == "OK":
        return
    words = f"{response.result} {_text(response)}".strip()
    reason = _challenge_reason(challenges or [])
    if reason:
        words = f"{words} ({reason})"
    code = _CODE.match(_text(response))
    credentials = response.result == "NO" and (code is None or code.group(1) not in _NOT_CREDENTIALS)
    raise ServerRefused(stage, words, credentials=credentials)


def _challenge_reason(challenges: list[bytes]) -> str:
    """An OAuth2 failure's challenge is base64 JSON naming the status (RFC 7628 section 3.2.2)."""
    for challenge in challenges:
        try:
            detail = json.loads(base64.b64decode(challenge, validate=True))
        except ValueError:
            continue
        if isinstance(detail, dict) and detail.get("status"):
            return f"status {detail['status']}"
    return ""


def _tls_words(error: ssl.SSLError) -> str:
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"the server's certificate was not accepted: {error.verify_message}"
    return f"the TLS handshake failed: {error.reason or error}"


def folder_name(folder: str) -> str:
    """A folder's name as IMAP spells it without UTF8=ACCEPT: modified UTF-7 (RFC 3501 5.1.3), so
    that "Eingänge" or "Поддержка" selects the folder the administrator named."""
    spelled: list[str] = []
    pending = ""

    def flush() -> None:
        nonlocal pending
        if pending:
            encoded = base64.b64encode(pending.encode("utf-16-be")).decode().rstrip("=")
            spelled.append("&" + encoded.replace("/", ",") + "-")
            pending = ""

    for character in folder:
        if " " <= character <= "~":
            flush()
            spelled.append("&-" if character == "&" else character)
        else:
            pending += character
    flush()
    return "".join(spelled)


async def check_imap(
    endpoint: Endpoint,
    folder: str = "INBOX",
    *,
    tokens: AccessTokens | None = None,
    timeout_seconds: float = 20.0,
) -> str:
    """The settings' "test IMAP" action: connect, authenticate, select the folder and say how many
    messages it holds; ServerRefused otherwise."""
    connection = await ImapConnection.open(endpoint, tokens=tokens, timeout_seconds=timeout_seconds)
    try:
        state = await connection.select(folder)
    finally:
        await connection.close()
    noun = "message" if state.exists == 1 else "messages"
    return f"Connected; {folder} holds {state.exists} {noun}."
