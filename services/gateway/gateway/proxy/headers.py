"""Which headers cross the gateway in each direction, and the ones it adds on the way in."""

from __future__ import annotations

import re
import uuid

from opentelemetry import propagate

from helpdesk_common.auth import INTERNAL_TOKEN_HEADER

REQUEST_ID_HEADER = "x-request-id"

# RFC 9110 section 7.6.1, plus the Proxy-* family (checked by prefix).
_HOP_BY_HOP = frozenset({b"connection", b"keep-alive", b"transfer-encoding", b"te", b"trailer", b"upgrade"})
# Credentials are the gateway's business; the internal token is only ever the gateway's own; the
# forwarding headers are written anew below. X-Forwarded-For keeps what came in and gains the caller's
# address at the end: only that last entry is the gateway's own observation.
_NEVER_FORWARDED = frozenset(
    {
        b"host",
        b"expect",
        b"cookie",
        b"authorization",
        INTERNAL_TOKEN_HEADER.lower().encode(),
        b"x-forwarded-proto",
        REQUEST_ID_HEADER.encode(),
    }
)
_TRACE_CONTEXT = frozenset(field.encode() for field in propagate.get_global_textmap().fields)
# uvicorn writes its own Date and Server; a second copy of either is a malformed response.
_NEVER_RETURNED = frozenset({b"set-cookie", b"date", b"server"})
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def _named_by_connection(headers: list[tuple[bytes, bytes]]) -> set[bytes]:
    """Headers the sender declared hop-by-hop by listing them in Connection."""
    return {
        token.strip().lower()
        for name, value in headers
        if name == b"connection"
        for token in value.split(b",")
        if token.strip()
    }


def _is_hop_by_hop(name: bytes, connection_named: set[bytes]) -> bool:
    return name in _HOP_BY_HOP or name.startswith(b"proxy-") or name in connection_named


def request_id(headers: list[tuple[bytes, bytes]]) -> str:
    """The caller's X-Request-Id when it is a sane token, else a new one."""
    for name, value in headers:
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            if _REQUEST_ID.fullmatch(candidate):
                return candidate
    return uuid.uuid4().hex


def upstream_request_headers(
    headers: list[tuple[bytes, bytes]],
    *,
    internal_token: str | None,
    client_host: str | None,
    scheme: str,
    request_id: str,
) -> list[tuple[str, str]]:
    """`headers` are the ASGI scope's (lower-case names)."""
    connection_named = _named_by_connection(headers)
    forwarded: list[tuple[str, str]] = []
    trace_context: list[tuple[str, str]] = []
    forwarded_for = ""
    for name, value in headers:
        if name == b"x-forwarded-for":
            forwarded_for = value.decode("latin-1")
        elif name in _TRACE_CONTEXT:
            trace_context.append((name.decode("latin-1"), value.decode("latin-1")))
        elif name not in _NEVER_FORWARDED and not _is_hop_by_hop(name, connection_named):
            forwarded.append((name.decode("latin-1"), value.decode("latin-1")))
    if client_host:
        forwarded_for = f"{forwarded_for}, {client_host}" if forwarded_for else client_host
    if forwarded_for:
        forwarded.append(("x-forwarded-for", forwarded_for))
    forwarded.append(("x-forwarded-proto", scheme))
    forwarded.append((REQUEST_ID_HEADER, request_id))
    if internal_token is not None:
        forwarded.append((INTERNAL_TOKEN_HEADER, internal_token))
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    # The current span's context when the request is traced (its parent is the caller's); the caller's
    # own when nothing in this process extracted it.
    forwarded.extend(carrier.items() if carrier else trace_context)
    return forwarded


def downstream_response_headers(
    raw_headers: list[tuple[bytes, bytes]], *, request_id: str
) -> list[tuple[bytes, bytes]]:
    """`raw_headers` are as the service sent them (gateway.proxy.upstream); ASGI wants lower-case names."""
    lowered = [(name.lower(), value) for name, value in raw_headers]
    connection_named = _named_by_connection(lowered)
    returned = [
        (name, value)
        for name, value in lowered
        if name not in _NEVER_RETURNED and not _is_hop_by_hop(name, connection_named)
    ]
    if not any(name == b"x-request-id" for name, _ in returned):
        returned.append((b"x-request-id", request_id.encode("latin-1")))
    return returned
