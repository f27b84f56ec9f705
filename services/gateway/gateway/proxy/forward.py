"""Forwarding one request: authenticate, attach the internal token, stream both bodies through."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import aiohttp
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import StreamingResponse
from starlette.convertors import Convertor, register_url_convertor
from starlette.types import Scope
from yarl import URL

from gateway.config import PUBLIC_NAMES
from gateway.identity.principal import Authenticate
from gateway.proxy.errors import UnknownService, UpstreamNotConfigured, UpstreamTimeout, UpstreamUnavailable
from gateway.proxy.fast_path import ProxyFirst
from gateway.proxy.headers import downstream_response_headers, request_id, upstream_request_headers
from gateway.proxy.tokens import InternalTokens

log = logging.getLogger(__name__)


class PublicApi(Convertor[str]):
    """Only the names the gateway proxies, so their routes can come first and answer the bulk of the
    traffic without first trying every sign-in, token, operator and role route."""

    regex = "|".join(sorted(PUBLIC_NAMES))

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("public_api", PublicApi())

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
# Answers up to this size with a declared length are read whole and sent in one piece: under uvicorn's
# ASGI 2.3 Starlette runs a task group per streamed response, a cost small JSON answers need not pay.
_SMALL_BODY_BYTES = 64 * 1024


class GatewayProxy:
    """One per process: holds the connection pool to the services and the router that uses it.

    The pool is opened on the first request (inside the server's event loop) and closed by `close()`.
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
        # No total limit: downloads and server-sent events last as long as they last. sock_read bounds
        # the wait for each piece of an answer, and is lifted for event streams (see _open).
        self._timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=connect_timeout_seconds, sock_read=read_timeout_seconds
        )
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None
        # Plain Starlette routes: nothing to validate or inject, and FastAPI's per-request dependency
        # machinery costs a tenth of a forward.
        self.router = APIRouter()
        for path in ("/api/{public:public_api}", "/api/{public:public_api}/{rest:path}"):
            self.router.add_route(path, self.forward, methods=METHODS, include_in_schema=False)
        # Any other /api/<name>: matched after the gateway's own routes, answered "no such API".
        self.unknown_router = APIRouter()
        for path in ("/api/{public}", "/api/{public}/{rest:path}"):
            self.unknown_router.add_route(path, self.forward, methods=METHODS, include_in_schema=False)

    def install(
        self, app: FastAPI, *own_routers: APIRouter, larger_bodies: dict[str, int] | None = None
    ) -> None:
        """First the proxied APIs (by far most requests), which match only their own names; then the
        gateway's own routes; last the catch-all answering an unknown /api/<name>, which would
        otherwise shadow /api/auth and the rest. Unless spans are exported (a span per request
        wants the instrumented path), proxied requests skip all that: see fast_path."""
        app.include_router(self.router)
        for router in own_routers:
            app.include_router(router)
        app.include_router(self.unknown_router)
        settings = app.state.settings
        if not settings.otlp_endpoint:
            # In front of the whole app (helpdesk_common.service.served), not among its middleware:
            # FastAPI's own outer layers (error page, native telemetry, body limit) cost a tenth of
            # a forward too. With spans exported, proxied requests keep the instrumented path.
            app.state.front = ProxyFirst(
                app, proxy=self, max_body_bytes=settings.http_max_body_bytes, larger_bodies=larger_bodies
            )

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._max_connections, limit_per_host=0),
                timeout=self._timeout,
                # Bodies pass through as the service encoded them, and nothing the caller did not
                # send is added on the way.
                auto_decompress=False,
                skip_auto_headers=("Accept", "Accept-Encoding", "User-Agent", "Content-Type"),
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def forward(self, request: Request) -> Response:
        return await self.forward_to(request, request.path_params["public"])

    async def forward_to(self, request: Request, public: str) -> Response:
        principal = await self._authenticate(request)
        base_url = self._base_url(public)
        scope = request.scope
        url = _upstream_url(base_url, scope)
        rid = request_id(scope["headers"])
        headers = upstream_request_headers(
            scope["headers"],
            internal_token=self._tokens.for_operator(principal.operator),
            client_host=request.client.host if request.client else None,
            scheme=scope["scheme"],
            request_id=rid,
        )
        upstream = await self._open(request, url, headers, public)
        return await _respond(upstream, request_id=rid)

    def _base_url(self, public: str) -> str:
        service = PUBLIC_NAMES.get(public)
        if service is None:
            raise UnknownService(f"There is no API named '{public}'.")
        base_url = self._upstreams.get(service)
        if base_url is None:
            raise UpstreamNotConfigured(f"The {service} service is not configured at this gateway.")
        return base_url

    async def _open(
        self, request: Request, url: URL, headers: list[tuple[str, str]], public: str
    ) -> aiohttp.ClientResponse:
        try:
            upstream = await self._client().request(
                request.method,
                url,
                headers=headers,
                data=_body(request) if _has_body(request) else None,
                allow_redirects=False,
            )
        except TimeoutError as error:
            log.warning("the %s service did not answer in time: %s", public, error)
            raise UpstreamTimeout(f"The '{public}' service did not answer in time.") from error
        except aiohttp.ClientError as error:
            log.warning("the %s service could not be reached: %r", public, error)
            raise UpstreamUnavailable(f"The '{public}' service could not be reached.") from error
        if upstream.content_type == "text/event-stream" and upstream.connection is not None:
            # Events may be minutes apart; the stream ends when either side closes it.
            protocol = upstream.connection.protocol
            if protocol is not None:
                protocol.read_timeout = None
                protocol.start_timeout()
        return upstream


def _upstream_url(base_url: str, scope: Scope) -> URL:
    """The caller's path after /api/<public> and query, byte for byte (not decoded and encoded again)."""
    raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
    parts = raw_path.split(b"/", 3)
    rest = parts[3].decode("latin-1") if len(parts) > 3 else ""
    query = scope["query_string"].decode("latin-1")
    return URL(f"{base_url}/{rest}?{query}" if query else f"{base_url}/{rest}", encoded=True)


def _has_body(request: Request) -> bool:
    headers = request.headers
    return "transfer-encoding" in headers or headers.get("content-length", "0") != "0"


async def _body(request: Request) -> AsyncIterator[bytes]:
    async for chunk in request.stream():
        # Starlette ends with an empty chunk, which chunked encoding would read as the end.
        if chunk:
            yield chunk


async def _respond(upstream: aiohttp.ClientResponse, *, request_id: str) -> Response:
    headers = downstream_response_headers(upstream.raw_headers, request_id=request_id)
    length = upstream.content_length
    response: Response
    if length is not None and length <= _SMALL_BODY_BYTES:
        try:
            body = await upstream.read()
        except TimeoutError as error:
            raise UpstreamTimeout("The service stopped in the middle of its answer.") from error
        except aiohttp.ClientError as error:
            raise UpstreamUnavailable("The service broke off its answer.") from error
        finally:
            upstream.release()
        response = Response(body, status_code=upstream.status)
    else:
        response = StreamingResponse(_relay(upstream), status_code=upstream.status)
    response.raw_headers = headers
    return response


async def _relay(upstream: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
    try:
        async for chunk in upstream.content.iter_any():
            yield chunk
    except (TimeoutError, aiohttp.ClientError) as error:
        # Too late for problem details: the status line is out. Ending the stream short (the client
        # sees a missing length or chunk terminator) is how HTTP says the body is incomplete.
        log.warning("a response from %s broke off: %r", upstream.url.host, error)
        raise
    finally:
        upstream.release()
