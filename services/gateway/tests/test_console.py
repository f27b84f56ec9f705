"""The console at /: its pages and assets from a build folder, beside the API and never in its way."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from starlette.types import Message

from gateway.config import REPOSITORY_CONSOLE, GatewaySettings
from gateway.console import ASSET_CACHE
from helpdesk_common.testing.plugin import TestDatabase
from services.gateway.tests.conftest import Gateway, gateway_with

INDEX = (
    '<!doctype html><html><head><script type="module" src="/assets/index-4f2a9c1b.js"></script>'
    "</head></html>\n"
)
SCRIPT = "console.log('the console');\n"


@pytest.fixture
def build(tmp_path: Path) -> Path:
    """A console build as Vite writes it, with a file beside the build folder that must stay out of reach."""
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text(INDEX)
    (dist / "assets" / "index-4f2a9c1b.js").write_text(SCRIPT)
    (dist / "secret.txt").write_text("not an asset")
    (tmp_path / "secret.txt").write_text("outside the build")
    (dist / "assets" / "linked-0000.js").symlink_to(tmp_path / "secret.txt")
    return dist


@pytest.fixture
async def console(database: TestDatabase, build: Path) -> AsyncIterator[Gateway]:
    async with gateway_with(database, console_dir=build) as app:
        yield app


CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob: "
    "https: http:; font-src 'self' data:; connect-src 'self'; frame-src 'self' blob:; "
    "worker-src 'self' blob:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def assert_secured(response: httpx.Response) -> None:
    assert response.headers["Content-Security-Policy"] == CSP
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("path", ["/", "/tickets", "/tickets/TKT-000123", "/settings/departments/"])
async def test_every_page_of_the_app_answers_its_index(console: Gateway, path: str) -> None:
    response = await console.client.get(path)
    assert response.status_code == 200, response.text
    assert response.text == INDEX
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-cache"
    assert_secured(response)
    head = await console.client.head(path)
    assert head.status_code == 200 and head.content == b""


async def test_an_asset_is_cached_for_good(console: Gateway) -> None:
    response = await console.client.get("/assets/index-4f2a9c1b.js")
    assert response.status_code == 200
    assert response.text == SCRIPT
    assert response.headers["Content-Type"].startswith("text/javascript")
    assert response.headers["Cache-Control"] == ASSET_CACHE == "public, max-age=31536000, immutable"
    assert_secured(response)


@pytest.mark.parametrize(
    "path",
    ["/assets/missing-0000.js", "/assets/", "/assets/nested/missing.css", "/assets/index-4f2a9c1b.js/x"],
)
async def test_a_missing_asset_is_a_404_problem(console: Gateway, path: str) -> None:
    response = await console.client.get(path)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == "urn:helpdesk:problem:not-found"
    assert_secured(response)


@pytest.mark.parametrize(
    "path",
    [
        "/assets/../secret.txt",
        "/assets/../../secret.txt",
        "/assets/%2e%2e/secret.txt",
        "/assets/%2E%2E%2F%2E%2E%2Fsecret.txt",
        "/assets/..%2f..%2fsecret.txt",
        "/assets/%2e%2e%5csecret.txt",
        "/assets/index-4f2a9c1b.js%00.png",
        "/assets/%00",
        "/assets//etc/passwd",
        "/assets/linked-0000.js",
        "/assets/" + "a" * 5000 + ".js",
    ],
)
async def test_no_path_reaches_outside_the_assets(console: Gateway, path: str) -> None:
    response = await asgi_get(console, path)
    assert response.status_code == 404, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    assert (await asgi_get(console, "/assets/index-4f2a9c1b.js")).text == SCRIPT


async def asgi_get(gateway: Gateway, target: str) -> httpx.Response:
    """GET `target` with its path as a server hands it to the app: percent-decoded, dot segments left
    in (httpx takes them out of a URL before the app could see them)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": unquote(target),
        "raw_path": target.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"gateway")],
        "client": ("127.0.0.1", 50000),
        "server": ("gateway", 80),
    }
    started: dict[str, Any] = {}
    body = bytearray()
    requested = False
    answered = asyncio.Event()

    async def receive() -> Message:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await answered.wait()  # then the client goes, as a real one does
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            started.update(message)
        else:
            body.extend(message.get("body", b""))
            if not message.get("more_body", False):
                answered.set()

    await gateway.app(scope, receive, send)
    return httpx.Response(started["status"], headers=started["headers"], content=bytes(body))


async def test_the_api_keeps_its_own_answers(console: Gateway) -> None:
    for path in ("/api", "/api/", "/api/nothing-here"):
        response = await console.client.get(path)
        assert response.status_code in (401, 404), (path, response.text)
        assert response.headers["Content-Type"] == "application/problem+json", path
    await console.administrator()
    headers = await console.bearer("admin")
    unknown = await console.client.get("/api/nothing-here/at/all", headers=headers)
    assert unknown.status_code == 404 and unknown.json()["detail"] == "There is no API named 'nothing-here'."
    assert "Content-Security-Policy" not in unknown.headers
    # The router's own answers for the gateway's pages: a trailing slash redirected, other methods 405.
    for path in ("/docs/", "/healthz/"):
        redirected = await console.client.get(path)
        assert (
            redirected.status_code == 307 and redirected.headers["Location"] == f"http://gateway{path[:-1]}"
        )
    assert (await console.client.post("/docs")).status_code == 405


async def test_the_gateways_own_pages_are_not_the_console(console: Gateway) -> None:
    for path in ("/healthz", "/openapi.json", "/docs", "/redoc", "/docs/assets/swagger-ui.css"):
        response = await console.client.get(path)
        assert response.status_code == 200, path
        assert response.text != INDEX and "Content-Security-Policy" not in response.headers, path
    document = (await console.client.get("/openapi.json")).json()
    assert not [path for path in document["paths"] if not path.startswith("/api/")]


async def test_only_get_and_head_answer_a_page(console: Gateway) -> None:
    for method in ("POST", "PUT", "DELETE"):
        response = await console.client.request(method, "/tickets/TKT-000123")
        assert response.status_code == 404, method
        assert response.headers["Content-Type"] == "application/problem+json"
    assert (await console.client.post("/assets/index-4f2a9c1b.js")).status_code == 405


@pytest.mark.parametrize("built", [False, True])
async def test_without_a_build_the_page_says_how_to_make_one(
    database: TestDatabase, tmp_path: Path, built: bool
) -> None:
    """No folder at all, or the folder of a build not made yet (`make console` may run later)."""
    async with gateway_with(database, console_dir=tmp_path / "dist" if built else None) as gateway:
        for path in ("/", "/tickets/TKT-000123"):
            response = await gateway.client.get(path)
            assert response.status_code == 404
            assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
            assert "The console is not built" in response.text and "make console" in response.text
            assert_secured(response)
        missing = await gateway.client.get("/assets/index-4f2a9c1b.js")
        assert missing.status_code == 404 and missing.json()["type"] == "urn:helpdesk:problem:not-found"
        (tmp_path / "dist").mkdir()
        (tmp_path / "dist" / "index.html").write_text(INDEX)
        later = await gateway.client.get("/")
        assert later.status_code == (200 if built else 404)


def test_the_default_is_the_checkouts_build(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("HELPDESK_CONSOLE_DIR", raising=False)
    expected = REPOSITORY_CONSOLE / "dist" if REPOSITORY_CONSOLE.is_dir() else None
    assert GatewaySettings().console_dir == expected
    assert REPOSITORY_CONSOLE == Path(__file__).resolve().parents[3] / "console"
    monkeypatch.setenv("HELPDESK_CONSOLE_DIR", str(tmp_path))
    assert GatewaySettings().console_dir == tmp_path
