"""Refuse oversized request bodies with 413 before any handler buffers them."""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from helpdesk_common.http.problems import problem_response


class BodySizeLimit:
    """Checks Content-Length up front and counts streamed bytes for chunked uploads."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, larger_for: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # Path patterns (regular expressions) allowed a larger body, e.g. attachment uploads.
        self.larger_for = [(re.compile(pattern), limit) for pattern, limit in (larger_for or {}).items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = next((n for pattern, n in self.larger_for if pattern.search(scope["path"])), self.max_bytes)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, limit)
            return
        received = 0
        exceeded = False
        response_started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            if exceeded:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Frameworks turn an exception here into their own 400; a disconnect makes the
                    # app give up instead, and the 413 below is what the client gets.
                    exceeded = True
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal response_started
            if exceeded:
                return
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not exceeded:
                raise
        if exceeded and not response_started:
            await self._refuse(scope, receive, send, limit)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = problem_response(
            413,
            "Payload too large",
            f"The request body is larger than {limit} bytes.",
            "urn:helpdesk:problem:payload-too-large",
        )
        await response(scope, receive, send)
