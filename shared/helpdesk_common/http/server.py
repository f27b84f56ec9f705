"""How every process serves HTTP: uvicorn with httptools, its request heads bounded while they are read.

uvicorn's httptools protocol takes a request head of any size and any number of fields (a 64 MB
header reaches the app). Here a head past `MAX_REQUEST_HEADERS` fields or `MAX_REQUEST_HEADER_BYTES`
is answered 431 as a problem and the connection closed, before the rest of it is buffered.
"""

from __future__ import annotations

import json
from typing import Any

import uvicorn
from starlette.types import ASGIApp
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

# What nginx and Apache allow by default: a few cookies and tokens fit many times over.
MAX_REQUEST_HEADER_BYTES = 32 * 1024
MAX_REQUEST_HEADERS = 100
# How long a refused head may go on arriving (and be dropped) before its connection is closed.
LINGER_SECONDS = 2.0


class _HeadTooLarge(Exception):
    pass


class BoundedHeadProtocol(HttpToolsProtocol):
    """Counts a head's bytes as the parser hands them over, and what arrives while it is unfinished
    (httptools gathers a header whole before handing it over)."""

    _head_bytes = 0
    _unfinished_bytes = 0
    _head_complete = False
    _head_refused = False

    def data_received(self, data: bytes) -> None:
        if self._head_refused:
            return  # the rest of the refused head, read and dropped until the connection closes
        if not self._head_complete:
            self._unfinished_bytes += len(data)
        super().data_received(data)
        if (
            not (self._head_refused or self._head_complete)
            and self._unfinished_bytes > MAX_REQUEST_HEADER_BYTES
        ):
            self._head_refused = True
            self.send_400_response("")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_bytes = self._unfinished_bytes = 0
        self._head_complete = False

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        # As on the wire: name, ": ", value, CRLF.
        self._count(len(name) + len(value) + 4)
        if len(self.headers) >= MAX_REQUEST_HEADERS:
            self._refuse()
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._head_complete = True
        super().on_headers_complete()

    def send_400_response(self, msg: str) -> None:
        if not self._head_refused:
            super().send_400_response(msg)
            return
        body = json.dumps(
            {
                "type": "urn:helpdesk:problem:headers-too-large",
                "title": "Request header fields too large",
                "status": 431,
                "detail": f"The request's headers exceed {MAX_REQUEST_HEADERS} fields or "
                f"{MAX_REQUEST_HEADER_BYTES} bytes.",
            }
        ).encode()
        head = (
            b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: application/problem+json\r\n"
            b"content-length: %d\r\nconnection: close\r\n\r\n" % len(body)
        )
        self.transport.write(head + body)
        # A close with the rest of the head still unread makes the kernel reset the connection, and
        # the client may lose the answer with it: half-close, keep reading (dropping) a while, close.
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(LINGER_SECONDS, self.transport.close)

    def _count(self, size: int) -> None:
        self._head_bytes += size
        if self._head_bytes > MAX_REQUEST_HEADER_BYTES:
            self._refuse()

    def _refuse(self) -> None:
        self._head_refused = True
        # Raised inside the parser's callback: httptools turns it into the parse error that uvicorn
        # answers with send_400_response, which answers 431 instead.
        raise _HeadTooLarge()


def server_config(app: ASGIApp, *, host: str, port: int, **options: Any) -> uvicorn.Config:
    """The one uvicorn configuration of every service process (and of the tests' servers)."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=BoundedHeadProtocol,
        log_config=None,
        access_log=False,
        proxy_headers=False,
        lifespan="off",
        # A request after a large body on the same keep-alive connection must not inherit the previous
        # request's context (its trace): CPython issue 140947.
        reset_contextvars=True,
        **options,
    )
