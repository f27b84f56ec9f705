"""The platform's one API description: the gateway's paths and every service's, merged under /api/<public>."""

from __future__ import annotations

import asyncio
import copy
import logging
import time
from typing import Any

import aiohttp
from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from gateway.config import PUBLIC_NAMES

log = logging.getLogger(__name__)

Document = dict[str, Any]

CACHE_SECONDS = 30.0
# A service that did not answer is asked again sooner: it is usually just starting.
INCOMPLETE_CACHE_SECONDS = 5.0
FETCH_TIMEOUT_SECONDS = 3.0
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_PROBLEM_REF = "#/components/schemas/Problem"

PROBLEM_SCHEMA: Document = {
    "title": "Problem",
    "description": "RFC 9457 problem details: the shape of every error answer of every service. "
    "Extensions (such as `errors` or `flag`) travel as further members.",
    "type": "object",
    "properties": {
        "type": {"type": "string", "format": "uri-reference", "default": "about:blank"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 100, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string", "format": "uri-reference"},
        "errors": {
            "type": "array",
            "description": "For validation failures: each field that is wrong.",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
    "required": ["type", "title", "status", "detail"],
    "additionalProperties": True,
}
_PROBLEM_CONTENT: Document = {"application/problem+json": {"schema": {"$ref": _PROBLEM_REF}}}


class MergedOpenAPI:
    """Builds the merged document on request and keeps it briefly, so /docs does not fan out each time."""

    def __init__(self, app: FastAPI, upstreams: dict[str, str]) -> None:
        self._app = app
        self._upstreams = dict(upstreams)
        self._lock = asyncio.Lock()
        self._document: Document | None = None
        self._expires = 0.0

    async def document(self) -> Document:
        async with self._lock:
            if self._document is None or time.monotonic() >= self._expires:
                self._document, complete = await self._build()
                ttl = CACHE_SECONDS if complete else INCOMPLETE_CACHE_SECONDS
                self._expires = time.monotonic() + ttl
            return self._document

    async def _build(self) -> tuple[Document, bool]:
        targets = {public: service for public, service in PUBLIC_NAMES.items() if service in self._upstreams}
        timeout = aiohttp.ClientTimeout(total=FETCH_TIMEOUT_SECONDS)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            results = await asyncio.gather(
                *(_fetch(session, self._upstreams[service]) for service in targets.values()),
                return_exceptions=True,
            )
        fetched: dict[str, Document] = {}
        missing: dict[str, str] = {}
        for (public, service), result in zip(targets.items(), results, strict=True):
            if isinstance(result, BaseException):
                log.warning("the API description of %s is left out: %r", service, result)
                missing[public] = f"{service} did not answer ({result.__class__.__name__})"
            else:
                fetched[public] = result
        for public, service in PUBLIC_NAMES.items():
            if service not in self._upstreams:
                missing[public] = f"{service} is not configured at this gateway"
        return merge(self._app.openapi(), fetched, missing), not missing


async def _fetch(session: aiohttp.ClientSession, base_url: str) -> Document:
    async with session.get(f"{base_url}/openapi.json", raise_for_status=True) as response:
        document = await response.json()
    if not isinstance(document, dict) or not isinstance(document.get("paths"), dict):
        raise ValueError("not an OpenAPI document")
    return document


def merge(gateway: Document, services: dict[str, Document], missing: dict[str, str]) -> Document:
    """`services` and `missing` are keyed by public name (`tickets`, `mail`, ...)."""
    merged = {key: value for key, value in gateway.items() if key != "servers"}
    merged["paths"], merged["components"] = _namespaced(gateway, namespace="gateway", public=None)
    for public, document in services.items():
        paths, components = _namespaced(document, namespace=PUBLIC_NAMES[public], public=public)
        merged["paths"].update(paths)
        for kind, items in components.items():
            merged["components"].setdefault(kind, {}).update(items)
    merged["components"].setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    _prune_unreferenced(merged)
    merged["info"] = _info(gateway.get("info", {}), sorted(services), missing)
    return merged


def _info(info: Document, included: list[str], missing: dict[str, str]) -> Document:
    lines = [info.get("description", "")] if info.get("description") else []
    lines.append(
        "Every service's API is under `/api/<name>/`. Included: "
        + (", ".join(f"`{public}`" for public in included) or "none")
        + "."
    )
    if missing:
        left_out = "; ".join(f"`{public}`: {reason}" for public, reason in sorted(missing.items()))
        lines.append(f"**Left out of this document** (asked again within seconds): {left_out}.")
    return {**info, "description": "\n\n".join(lines)}


def _namespaced(document: Document, *, namespace: str, public: str | None) -> tuple[Document, Document]:
    """Paths under /api/<public> (the gateway's own stay where they are) and components renamed
    `<namespace>__<name>`, every $ref following."""
    document = _renamed_refs(document, namespace)
    components: Document = {}
    for kind, items in document.get("components", {}).items():
        if kind != "securitySchemes":
            components[kind] = {f"{namespace}__{name}": item for name, item in items.items()}
        elif public is None:
            # Security requirements name schemes rather than $ref them, so these keep their names. A
            # service's own schemes describe the internal token, which callers never send: dropped.
            components[kind] = items
    paths: Document = {}
    for path, item in document.get("paths", {}).items():
        for method in _METHODS:
            if method in item:
                item[method] = _operation(item[method], namespace=namespace, public=public)
        paths[f"/api/{public}{path}" if public else path] = item
    return paths, components


def _operation(operation: Document, *, namespace: str, public: str | None) -> Document:
    responses = operation.setdefault("responses", {})
    for code, response in responses.items():
        if code == "default" or code[0] in "45":
            response["content"] = copy.deepcopy(_PROBLEM_CONTENT)
    responses.setdefault(
        "default", {"description": "Problem details (RFC 9457)", "content": copy.deepcopy(_PROBLEM_CONTENT)}
    )
    if public is None:
        return operation
    operation.pop("security", None)
    if "operationId" in operation:
        operation["operationId"] = f"{namespace}__{operation['operationId']}"
    operation["tags"] = [f"{public}: {tag}" for tag in operation.get("tags", [])] or [public]
    return operation


def _renamed_refs(node: Any, namespace: str) -> Any:
    """A copy of `node` with every local component $ref pointing at its namespaced name."""
    if isinstance(node, dict):
        return {
            key: _renamed_ref(value, namespace) if key == "$ref" else _renamed_refs(value, namespace)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_renamed_refs(item, namespace) for item in node]
    return node


def _renamed_ref(ref: Any, namespace: str) -> Any:
    if not isinstance(ref, str) or not ref.startswith("#/components/"):
        return ref
    kind, _, name = ref.removeprefix("#/components/").partition("/")
    return f"#/components/{kind}/{namespace}__{name}"


def refs(node: Any) -> list[str]:
    """Every $ref string in `node`, at any depth."""
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in refs(value)]
    if isinstance(node, list):
        return [ref for item in node for ref in refs(item)]
    return []


def resolve(document: Document, ref: str) -> Any:
    """A local JSON pointer (`#/components/schemas/X`) resolved in `document`; KeyError if dangling."""
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _prune_unreferenced(document: Document) -> None:
    """Drops components nothing reaches any more, such as FastAPI's validation error schemas whose
    answers are problem details in this platform."""
    reached: set[str] = set()
    pending = refs(document["paths"])
    while pending:
        ref = pending.pop()
        if ref not in reached and ref.startswith("#/components/"):
            reached.add(ref)
            pending.extend(refs(resolve(document, ref)))
    for kind, items in document["components"].items():
        if kind == "securitySchemes":
            continue
        for name in [name for name in items if f"#/components/{kind}/{name}" not in reached]:
            del items[name]


def install_merged_openapi(app: FastAPI, upstreams: dict[str, str]) -> None:
    """Serves the merged document at the app's openapi_url, Swagger UI at /docs and ReDoc at /redoc,
    in place of FastAPI's own (which describe the gateway alone)."""
    merged = MergedOpenAPI(app, upstreams)
    openapi_url = app.openapi_url or "/openapi.json"
    replaced = {openapi_url, "/docs", "/docs/oauth2-redirect", "/redoc"}
    app.router.routes[:] = [
        route for route in app.router.routes if getattr(route, "path", None) not in replaced
    ]

    @app.get(openapi_url, include_in_schema=False)
    async def openapi_document() -> JSONResponse:
        return JSONResponse(await merged.document())

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=openapi_url, title=f"{app.title}: API")

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(openapi_url=openapi_url, title=f"{app.title}: API")
