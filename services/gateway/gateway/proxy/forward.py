"""Forwarding one request: authenticate, attach the internal token, stream both bodies through."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import Scope

from gateway.config import PUBLIC_NAMES, SERVICE_AUTHENTICATED
from gateway.identity.principal import Authenticate
from gateway.proxy.errors import (
    UnknownService,
    UpstreamClosedBeforeAnswer,
    UpstreamNotConfigured,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from gateway.proxy.headers import downstream_response_headers, request_id, upstream_request_headers
from gateway.proxy.tokens import InternalTokens
from gateway.proxy.upstream import (
    UpstreamClosed,
    UpstreamError,
    UpstreamPool,
    UpstreamResponse,
    UpstreamTimedOut,
)

log = logging.getLogger(__name__)

# Answers up to this size with a declared length are read whole and sent in one piece: under uvicorn's
# ASGI 2.3 Starlette runs a task group per streamed response, a cost small JSON answers need not pay.
# Requests up to this size with a declared length are read whole too, and sent with their head.
_SMALL_BODY_BYTES = 64 * 1024


class GatewayProxy:
    """One per process: holds the connection pools to the services (gateway.proxy.front sends it the
    requests).

    Connections are opened on demand (inside the server's event loop) and closed by `close()`.
    """

    def __init__(
        self,
        authenticate: Authenticate,
        *,
        upstreams: dict[str, str],
        private_key_pem: str,
        token_ttl_seconds: int,
        token_reuse_seconds: float = 5.0,
        connect_timeout_seconds: float = 5.0,
        read_timeout_seconds: float = 60.0,
        max_connections: int = 512,
    ) -> None:
        self._authenticate = authenticate
        self._upstreams = dict(upstreams)
        self._tokens = InternalTokens(
            private_key_pem=private_key_pem, ttl_seconds=token_ttl_seconds, reuse_seconds=token_reuse_seconds
        )
        # No total limit: downloads and server-sent events last as long as they last. The read timeout
        # bounds the wait for each piece of an answer, and is lifted for event streams.
        self._pools = {
            service: UpstreamPool(
                url,
                connect_timeout_seconds=connect_timeout_seconds,
                read_timeout_seconds=read_timeout_seconds,
                max_connections=max_connections,
            )
            for service, url in self._upstreams.items()
        }

    async def close(self) -> None:
        for pool in self._pools.values():
            await pool.close()

    async def forward(self, request: Request, public: str) -> Response:
        """`public` is one of PUBLIC_NAMES, the first segment after /api/."""
        scope = request.scope
        internal_token = None
        if not _service_authenticated(request.method, public, scope["path"]):
            principal = await self._authenticate(request)
            internal_token = self._tokens.for_operator(principal.operator)
        pool = self._pool(public)
        rid = request_id(scope["headers"])
        headers = upstream_request_headers(
            scope["headers"],
            internal_token=internal_token,
            client_host=request.client.host if request.client else None,
            scheme=scope["scheme"],
            request_id=rid,
        )
        # Bodies pass through as the caller encoded them, and the answers as the service encoded them.
        body, body_length = await _body(request)
        try:
            upstream = await pool.request(
                request.method,
                _upstream_target(scope),
                headers,
                body,
                body_length=body_length,
                read_whole_up_to=_SMALL_BODY_BYTES,
            )
        except UpstreamTimedOut as error:
            log.warning("the %s service did not answer in time: %s", public, error)
            raise UpstreamTimeout(f"The '{public}' service did not answer in time.") from error
        except UpstreamClosed as error:
            log.warning("the %s service closed a connection under a request: %s", public, error)
            raise UpstreamClosedBeforeAnswer(
                f"The '{public}' service closed its connection as this request reached it, before "
                "answering, so it may or may not have been applied. Send it again; with an "
                "Idempotency-Key header the gateway sends it again by itself.",
                headers={"Retry-After": "1"},
            ) from error
        except UpstreamError as error:
            log.warning("the %s service could not be reached: %s", public, error)
            raise UpstreamUnavailable(f"The '{public}' service could not be reached.") from error
        return _respond(upstream, request_id=rid)

    async def refuse_unknown(self, request: Request) -> Response:
        """Any other /api/<name>: no such API, told only to a caller who signed in."""
        await self._authenticate(request)
        raise UnknownService(f"There is no API named '{request.path_params['public']}'.")

    def _pool(self, public: str) -> UpstreamPool:
        service = PUBLIC_NAMES[public]
        pool = self._pools.get(service)
        if pool is None:
            raise UpstreamNotConfigured(f"The {service} service is not configured at this gateway.")
        return pool


def _service_authenticated(method: str, public: str, path: str) -> bool:
    """The exact path only: `/api/itsm/alerts/` is not a second spelling of the intake."""
    return (method, public, path[len(public) + 5 :]) in SERVICE_AUTHENTICATED


def _upstream_target(scope: Scope) -> bytes:
    """The caller's path after /api/<public> and query, byte for byte (not decoded and encoded again)."""
    raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
    parts = raw_path.split(b"/", 3)
    target = b"/" + parts[3] if len(parts) > 3 else b"/"
    query: bytes = scope["query_string"]
    return target + b"?" + query if query else target


async def _body(request: Request) -> tuple[bytes | AsyncIterator[bytes] | None, int | None]:
    """None without a body; the whole body when it is small and its length declared; else a stream,
    with the declared length if there is one (uvicorn holds the caller to it)."""
    headers = request.headers
    if "transfer-encoding" in headers:
        return _streamed(request), None
    length = headers.get("content-length")
    if length is None or length == "0" or not length.isdigit():
        return None, None
    if int(length) <= _SMALL_BODY_BYTES:
        return await request.body(), None
    return _streamed(request), int(length)


async def _streamed(request: Request) -> AsyncIterator[bytes]:
    async for chunk in request.stream():
        if chunk:
            yield chunk


def _respond(upstream: UpstreamResponse, *, request_id: str) -> Response:
    headers = downstream_response_headers(upstream.headers, request_id=request_id)
    response: Response
    if upstream.body is not None:
        response = Response(upstream.body, status_code=upstream.status)
    else:
        assert upstream.chunks is not None
        response = StreamingResponse(_relay(upstream.chunks), status_code=upstream.status)
    response.raw_headers = headers
    return response


async def _relay(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    try:
        async for chunk in chunks:
            yield chunk
    except UpstreamError as error:
        # Too late for problem details: the status line is out. Ending the stream short (the client
        # sees a missing length or chunk terminator) is how HTTP says the body is incomplete.
        log.warning("a response broke off: %s", error)
        raise
