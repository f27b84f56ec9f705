"""The web console: the built single-page app (console/dist) served at / on the API's own origin."""

from __future__ import annotations

from pathlib import Path

import anyio
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from helpdesk_common.errors import NotFound

# Everything the console loads comes from the gateway itself. Styles allow 'unsafe-inline' because the
# component library injects its theme as <style> elements at run time; scripts never run inline. Images
# from anywhere, because the console's sanitiser (console/src/shared/sanitize.ts) holds remote ones back
# until the operator asks for them.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob: https: http:; font-src 'self' data:; connect-src 'self'; "
    "frame-src 'self' blob:; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
# Vite names every asset by a hash of its content, so a name never comes to mean other bytes.
ASSET_CACHE = "public, max-age=31536000, immutable"
# index.html names the current assets: the browser asks again each time, and gets a new build at once.
PAGE_CACHE = "no-cache"
NOT_BUILT = (
    "The console is not built here.\n\n"
    "Build it with `make console` (it writes console/dist/), then reload this page.\n"
    "The API answers under /api; its documentation is at /docs.\n"
)


class AssetNotFound(NotFound):
    pass


class Console:
    """The files of one build: its assets, and index.html for every page of the app."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory

    async def asset(self, request: Request) -> Response:
        path = await anyio.to_thread.run_sync(self._asset_path, request.path_params["name"])
        if path is None:
            raise AssetNotFound("There is no such file in the console.", headers=SECURITY_HEADERS)
        return FileResponse(path, headers={"Cache-Control": ASSET_CACHE, **SECURITY_HEADERS})

    async def page(self) -> Response:
        index = None if self.directory is None else self.directory / "index.html"
        if index is None or not await anyio.to_thread.run_sync(index.is_file):
            return PlainTextResponse(
                NOT_BUILT, status_code=404, headers={"Cache-Control": PAGE_CACHE, **SECURITY_HEADERS}
            )
        return FileResponse(index, headers={"Cache-Control": PAGE_CACHE, **SECURITY_HEADERS})

    def _asset_path(self, name: str) -> Path | None:
        """The file `name` under assets/, or None for anything else: a folder, a missing file, or a name
        that leaves the folder (`..`, an absolute path, a link pointing out) or no file system takes."""
        if self.directory is None or "\x00" in name or "\\" in name:
            return None
        parts = name.split("/")
        if any(part in ("", ".", "..") for part in parts):
            return None
        root = self.directory / "assets"
        try:
            path = root.joinpath(*parts).resolve(strict=True)
            inside = path.is_relative_to(root.resolve(strict=True))
            return path if inside and path.is_file() else None
        except (OSError, ValueError):
            return None


class ConsolePages:
    """What the router answers when no route matched: index.html for a GET or HEAD of any path outside
    /api (the app's own deep links, /tickets/TKT-000123, survive a reload), the router's own 404 else.

    The router's fallback rather than a catch-all route, which would take what the router answers
    today before its fallback: the redirect of a trailing slash (/docs/ to /docs)."""

    def __init__(self, console: Console, not_found: ASGIApp) -> None:
        self.console = console
        self.not_found = not_found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD") or _is_api(scope["path"]):
            await self.not_found(scope, receive, send)
            return
        response = await self.console.page()
        await response(scope, receive, send)


def _is_api(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


def install_console(app: FastAPI, directory: Path | None) -> None:
    """After every other route: the console answers only what nothing else does."""
    console = Console(directory)
    app.add_route("/assets/{name:path}", console.asset, methods=["GET", "HEAD"], include_in_schema=False)
    app.router.default = ConsolePages(console, app.router.default)
