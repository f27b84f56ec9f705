"""A service on loopback that answers with exactly the bytes a test scripts (broken, out of step or too
large on purpose), written on asyncio streams because no real server can be made to misbehave so."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from gateway.proxy.upstream import MAX_HEAD_BYTES

# A piece of a script that stands for an action instead of bytes.
CLOSE = b"<close the connection>"
PAUSE = b"<pause a little>"
SMUGGLED = b"HTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\nSECRET"
CHUNKED = b"transfer-encoding: chunked\r\n"


def raw_answer(head: bytes, body: bytes = b"", status: bytes = b"200 OK") -> bytes:
    return b"HTTP/1.1 " + status + b"\r\n" + head + b"\r\n" + body


def echo(method: str, path: str, body: bytes) -> bytes:
    text = f"{method} {path} {len(body)}".encode()
    return raw_answer(b"content-length: %d\r\n" % len(text), text)


MALFORMED: dict[str, tuple[bytes, ...]] = {
    "a chunk size that is not hexadecimal": (raw_answer(CHUNKED, b"zz\r\nhello\r\n0\r\n\r\n"),),
    "a chunk size past any integer": (raw_answer(CHUNKED, b"ffffffffffffffffffff\r\nhello\r\n0\r\n\r\n"),),
    "a chunk longer than its size": (raw_answer(CHUNKED, b"3\r\nhello\r\n0\r\n\r\n"),),
    "a negative chunk size": (raw_answer(CHUNKED, b"-5\r\nhello\r\n0\r\n\r\n"),),
    "Content-Length and Transfer-Encoding both": (
        raw_answer(b"content-length: 5\r\n" + CHUNKED, b"5\r\nhello\r\n0\r\n\r\n"),
    ),
    "two Content-Lengths": (raw_answer(b"content-length: 5\r\ncontent-length: 6\r\n", b"hello!"),),
    "a Content-Length list": (raw_answer(b"content-length: 5, 5\r\n", b"hello"),),
    "a signed Content-Length": (raw_answer(b"content-length: +5\r\n", b"hello"),),
    "a status line that is not HTTP": (b"HTTP/1.1 abc OK\r\ncontent-length: 0\r\n\r\n",),
    "no status line at all": (b"hello\r\n\r\n",),
    "a folded header": (raw_answer(b"x-a: b\r\n c\r\ncontent-length: 0\r\n"),),
    "a bare LF for a line end": (b"HTTP/1.1 200 OK\ncontent-length: 0\n\n",),
    "a CR inside a header value": (raw_answer(b"x-a: b\rc\r\ncontent-length: 0\r\n"),),
    "a space before a header's colon": (raw_answer(b"content-length : 5\r\n", b"hello"),),
    "a switch of protocols nobody asked for": (
        b"HTTP/1.1 101 Switching Protocols\r\nupgrade: h2c\r\nconnection: upgrade\r\n\r\n",
    ),
    "a header over the limit": (
        raw_answer(b"x-big: " + b"a" * MAX_HEAD_BYTES + b"\r\ncontent-length: 0\r\n"),
    ),
    "a megabyte of header": (raw_answer(b"x-big: " + b"a" * 1024 * 1024 + b"\r\ncontent-length: 0\r\n"),),
    "ten thousand headers": (
        raw_answer(b"".join(b"x-h%d: v\r\n" % n for n in range(10_000)) + b"content-length: 0\r\n"),
    ),
    "a head that never ends": (b"HTTP/1.1 200 OK\r\n" + b"x-a: b\r\n" * 100, CLOSE),
    "an answer cut off in its body": (raw_answer(b"content-length: 100\r\n", b"only this"), CLOSE),
    "a chunked answer cut off": (raw_answer(CHUNKED, b"5\r\nhello\r\n"), CLOSE),
    "no answer at all": (CLOSE,),
}
# Answers whose framing ends before all their bytes do: the first `hello` (or nothing) is the answer.
OUT_OF_STEP: dict[str, tuple[bytes, ...]] = {
    "a second answer in the same write": (raw_answer(b"content-length: 5\r\n", b"hello") + SMUGGLED,),
    "a second answer a little later": (raw_answer(b"content-length: 5\r\n", b"hello"), PAUSE, SMUGGLED),
    "stray bytes after the answer": (raw_answer(b"content-length: 5\r\n", b"hello") + b"xyz",),
    "a body longer than its Content-Length": (raw_answer(b"content-length: 5\r\n", b"hello, and more"),),
    "a chunked answer that goes on after its last chunk": (
        raw_answer(CHUNKED, b"5\r\nhello\r\n0\r\n\r\n") + SMUGGLED,
    ),
    "a body on an answer that has none": (
        raw_answer(b"content-length: 5\r\n", SMUGGLED, status=b"304 Not Modified"),
    ),
}


@dataclass
class Scripted:
    """Answers each path it has a script for with exactly those bytes (in pieces, with pauses and a
    close where the script says; only the first time for a path in `once`), and any other with an echo
    of the request. Notes the paths each connection carried, the bodies that arrived whole, and
    whether the gateway hung up on each connection."""

    answers: dict[str, tuple[bytes, ...]]
    once: set[str] = field(default_factory=set)
    port: int = 0
    carried: list[list[str]] = field(default_factory=list)
    bodies: dict[str, bytes] = field(default_factory=dict)
    hung_up: list[asyncio.Event] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def connection_of(self, path: str) -> list[str]:
        return next(carried for carried in self.carried if path in carried)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        carried: list[str] = []
        hung_up = asyncio.Event()
        self.carried.append(carried)
        self.hung_up.append(hung_up)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                method, path = (part.decode() for part in head.split(b" ", 2)[:2])
                carried.append(path)
                body = await _body(reader, head)
                self.bodies[path] = body
                script = self.answers.pop(path, None) if path in self.once else self.answers.get(path)
                for piece in script or (echo(method, path, body),):
                    if piece == CLOSE:
                        return
                    if piece == PAUSE:
                        await asyncio.sleep(0.05)
                        continue
                    writer.write(piece)
                    await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            hung_up.set()
        finally:
            writer.close()


async def _body(reader: asyncio.StreamReader, head: bytes) -> bytes:
    fields = {
        name.strip().lower(): value.strip()
        for name, _, value in (line.partition(b":") for line in head.split(b"\r\n")[1:])
    }
    if fields.get(b"transfer-encoding") == b"chunked":
        chunks = []
        while size := int((await reader.readuntil(b"\r\n")).strip(), 16):
            chunks.append((await reader.readexactly(size + 2))[:-2])
        await reader.readuntil(b"\r\n")
        return b"".join(chunks)
    length = int(fields.get(b"content-length", b"0"))
    return await reader.readexactly(length) if length else b""


@contextlib.asynccontextmanager
async def scripted(
    answers: dict[str, tuple[bytes, ...]], *, once: set[str] | None = None
) -> AsyncIterator[Scripted]:
    state = Scripted(answers, once=set(once or ()))
    server = await asyncio.start_server(state.handle, "127.0.0.1", 0)
    state.port = server.sockets[0].getsockname()[1]
    async with server:
        yield state
