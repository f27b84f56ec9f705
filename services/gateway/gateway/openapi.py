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
from fastapi.staticfiles import StaticFiles

from gateway.config import PUBLIC_NAMES, SERVICE_AUTHENTICATED, GatewaySettings
from gateway.identity.authentication import CSRF_HEADER
from helpdesk_common.http.openapi import (
    GENERIC_PROBLEMS,
    METHODS,
    PROBLEM_SCHEMA,
    Authentication,
    install_openapi,
    problem,
)

log = logging.getLogger(__name__)

Document = dict[str, Any]

CACHE_SECONDS = 30.0
# A service that did not answer is asked again sooner: it is usually just starting.
INCOMPLETE_CACHE_SECONDS = 5.0
FETCH_TIMEOUT_SECONDS = 3.0
# Swagger UI and ReDoc as the gateway serves them itself (fastapi-offline ships both), so the docs
# work where the browser reaches nothing but the gateway.
DOCS_ASSETS = "/docs/assets"
# Component names every document shares rather than namespaces: they are the same everywhere.
SHARED_SCHEMAS = frozenset({"Problem"})
# What the gateway itself may answer for any operation it forwards.
FORWARDING_PROBLEMS: Document = {
    "401": GENERIC_PROBLEMS["401"],
    "403": GENERIC_PROBLEMS["403"],
    "502": problem("The service could not be reached, or its answer was not HTTP."),
    "503": GENERIC_PROBLEMS["503"],
    "504": problem("The service did not answer in time."),
}


def public_authentication(session_cookie: str) -> Authentication:
    """What callers of the gateway send: a personal API token, or the session cookie (with the
    session's CSRF token on every write)."""
    return Authentication(
        schemes={
            "apiToken": {
                "type": "http",
                "scheme": "bearer",
                "description": "A personal API token (`hd_...`), from POST /api/auth/tokens.",
            },
            "session": {
                "type": "apiKey",
                "in": "cookie",
                "name": session_cookie,
                "description": "The session cookie POST /api/auth/login sets.",
            },
            "csrf": {
                "type": "apiKey",
                "in": "header",
                "name": CSRF_HEADER,
                "description": "The `csrf_token` POST /api/auth/login answers; needed beside the session "
                "cookie on every write.",
            },
        },
        safe=[{"apiToken": []}, {"session": []}],
        writes=[{"apiToken": []}, {"session": [], "csrf": []}],
    )


class MergedOpenAPI:
    """Builds the merged document on request and keeps it briefly, so /docs does not fan out each time."""

    def __init__(self, app: FastAPI, upstreams: dict[str, str], authentication: Authentication) -> None:
        self._app = app
        self._upstreams = dict(upstreams)
        self._authentication = authentication
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
        failures: dict[str, str] = {}
        for service, result in zip(targets.values(), results, strict=True):
            if isinstance(result, BaseException):
                log.warning("the API description of %s is left out: %r", service, result)
                failures[service] = f"{service} did not answer ({result.__class__.__name__})"
            else:
                fetched[service] = result
        return self.merged(fetched, failures), len(fetched) == len(PUBLIC_NAMES)

    def merged(self, documents: dict[str, Document], failures: dict[str, str] | None = None) -> Document:
        """The platform's document from the services' own (`documents`, by service name), as
        /openapi.json answers it; a service left out is named with its reason from `failures`, or as not
        configured. `helpdesk openapi` calls this with every service's document, built offline."""
        services: dict[str, Document] = {}
        missing: dict[str, str] = {}
        for public, service in PUBLIC_NAMES.items():
            if service in documents:
                services[public] = documents[service]
            else:
                missing[public] = (failures or {}).get(
                    service, f"{service} is not configured at this gateway"
                )
        return merge(self._app.openapi(), services, missing, self._authentication)


async def _fetch(session: aiohttp.ClientSession, base_url: str) -> Document:
    async with session.get(f"{base_url}/openapi.json", raise_for_status=True) as response:
        document = await response.json()
    if not isinstance(document, dict) or not isinstance(document.get("paths"), dict):
        raise ValueError("not an OpenAPI document")
    return document


def merge(
    gateway: Document, services: dict[str, Document], missing: dict[str, str], authentication: Authentication
) -> Document:
    """`services` and `missing` are keyed by public name (`tickets`, `mail`, ...); `authentication` is
    what callers send the gateway, which checks it before forwarding anything."""
    merged = {key: value for key, value in gateway.items() if key != "servers"}
    merged["paths"], merged["components"] = _namespaced(gateway, namespace="gateway", public=None)
    for public, document in services.items():
        paths, components = _namespaced(document, namespace=PUBLIC_NAMES[public], public=public)
        for path, item in paths.items():
            for method in METHODS:
                if method in item:
                    own = (method.upper(), public, path.removeprefix(f"/api/{public}") or "/")
                    _forwarded(
                        item[method], method, authentication, own_credential=own in SERVICE_AUTHENTICATED
                    )
        merged["paths"].update(paths)
        for kind, items in components.items():
            merged["components"].setdefault(kind, {}).update(items)
    merged["components"].setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    merged["components"]["securitySchemes"] = authentication.schemes
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
    lines.append(
        "Send a personal API token as `Authorization: Bearer hd_...`, or sign in at "
        "`POST /api/auth/login` and send the session cookie, with the answer's `csrf_token` in "
        f"`{CSRF_HEADER}` on every write."
    )
    if missing:
        left_out = "; ".join(f"`{public}`: {reason}" for public, reason in sorted(missing.items()))
        lines.append(f"**Left out of this document** (asked again within seconds): {left_out}.")
    return {**info, "description": "\n\n".join(lines)}


def _namespaced(document: Document, *, namespace: str, public: str | None) -> tuple[Document, Document]:
    """Paths under /api/<public> (the gateway's own stay where they are) and components renamed
    `<namespace>__<name>`, every $ref following. Security schemes are the gateway's alone: a service's
    describe the internal token, which callers never send."""
    document = _renamed_refs(document, namespace)
    components: Document = {
        kind: {_namespaced_name(name, namespace): item for name, item in items.items()}
        for kind, items in document.get("components", {}).items()
        if kind != "securitySchemes"
    }
    paths: Document = {}
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            if method in item and public is not None:
                item[method] = _tagged(item[method], namespace=namespace, public=public)
        paths[_public_path(path, public) if public else path] = item
    return paths, components


def _public_path(path: str, public: str) -> str:
    """A service's root is the API's own address: /api/tickets, not /api/tickets/ (both reach it)."""
    return f"/api/{public}{path}" if path != "/" else f"/api/{public}"


def _namespaced_name(name: str, namespace: str) -> str:
    return name if name in SHARED_SCHEMAS else f"{namespace}__{name}"


def _tagged(operation: Document, *, namespace: str, public: str) -> Document:
    if "operationId" in operation:
        operation["operationId"] = f"{namespace}__{operation['operationId']}"
    operation["tags"] = [f"{public}: {tag}" for tag in operation.get("tags", [])] or [public]
    return operation


def _forwarded(
    operation: Document, method: str, authentication: Authentication, *, own_credential: bool
) -> None:
    """A forwarded operation takes the gateway's credentials (the gateway forwards nothing it could not
    authenticate), and may meet the gateway's own failures. One that carries a credential of its own
    (`SERVICE_AUTHENTICATED`) takes none of the gateway's, and is refused only by the service."""
    operation["security"] = [] if own_credential else authentication.requirement(method)
    responses = operation.setdefault("responses", {})
    for code, response in FORWARDING_PROBLEMS.items():
        if not (own_credential and code in ("401", "403")):
            responses.setdefault(code, copy.deepcopy(response))
    operation["responses"] = dict(sorted(responses.items()))


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
    return f"#/components/{kind}/{_namespaced_name(name, namespace)}"


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
    """Serves the merged document at the app's openapi_url, Swagger UI at /docs and ReDoc at /redoc
    (their assets from the gateway itself), in place of FastAPI's own (which describe the gateway
    alone and load their assets from a CDN)."""
    settings: GatewaySettings = app.state.settings
    authentication = public_authentication(settings.session_cookie)
    install_openapi(app, authentication)
    merged = MergedOpenAPI(app, upstreams, authentication)
    app.state.openapi = merged
    openapi_url = app.openapi_url or "/openapi.json"
    replaced = {openapi_url, "/docs", "/docs/oauth2-redirect", "/redoc"}
    app.router.routes[:] = [
        route for route in app.router.routes if getattr(route, "path", None) not in replaced
    ]
    app.mount(DOCS_ASSETS, StaticFiles(packages=[("fastapi_offline", "static")]), name="docs-assets")

    @app.get(openapi_url, include_in_schema=False)
    async def openapi_document() -> JSONResponse:
        return JSONResponse(await merged.document())

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title}: API",
            swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS}/favicon.png",
            # The online validator is a third party's server; the authorisation outlives a reload.
            swagger_ui_parameters={"validatorUrl": None, "persistAuthorization": True},
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=f"{app.title}: API",
            redoc_js_url=f"{DOCS_ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{DOCS_ASSETS}/favicon.png",
            with_google_fonts=False,
        )
