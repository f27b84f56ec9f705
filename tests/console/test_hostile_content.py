"""Hostile markup wherever outside text reaches the ticket dialog (a title, comments written through
the API and the composer, a template) runs nothing, hides nothing, and loads no remote image until
the operator asks: the console's own sanitiser is checked too, on markup the server let through."""

from __future__ import annotations

import datetime
import ipaddress
import json
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from playwright.async_api import Page, Route, expect

from tests.console.harness import Console, screenshot, sign_in

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4b40000000049454e44ae426082"
)


class Tracker:
    """A real loopback server standing in for a sender's read-receipt image; it counts its hits.
    HTTPS, as most senders' trackers are."""

    def __init__(self, directory: Path) -> None:
        hits: list[str] = []
        self.hits = hits

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(PNG)))
                self.end_headers()
                self.wfile.write(PNG)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*_self_signed(directory))
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}/tracker.png"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "tracker.pem", directory / "tracker.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # The tracker's certificate is self-signed; a real sender's would be valid.
    return {**browser_context_args, "ignore_https_errors": True}


@pytest.fixture
def tracker(tmp_path: Path) -> Iterator[Tracker]:
    running = Tracker(tmp_path)
    yield running
    running.close()


def hostile(tracker_url: str) -> str:
    return "".join(
        (
            "<p>Words that stay readable.</p>",
            "<script>window.__pwned=1</script>",
            '<img src=x onerror="window.__pwned=1">',
            '<a href="javascript:window.__pwned=1">x</a>',
            '<svg onload="window.__pwned=1"></svg>',
            "<style>body{display:none}</style>",
            '<div style="position:fixed;inset:0;background:#fff">covering everything</div>',
            f'<img src="{tracker_url}" alt="tracker">',
        )
    )


async def _not_pwned(page: Page) -> None:
    assert await page.evaluate("() => typeof window.__pwned") == "undefined"


async def _click_every_link(page: Page) -> None:
    links = page.get_by_role("log", name="Messages").locator("a")
    for index in range(await links.count()):
        await links.nth(index).click()
    for opened in page.context.pages:
        await _not_pwned(opened)


async def test_hostile_markup_runs_nothing_and_loads_no_tracker(
    page: Page, console: Console, tracker: Tracker
) -> None:
    payload = hostile(tracker.url)
    department = await console.department()
    username = await console.operator("tickets_enabled", "tickets_edit", departments=[department["id"]])
    ticket = await console.ticket(
        payload[:500], department_id=department["id"], description={"body": payload, "body_format": "html"}
    )
    number = ticket["number"]
    noted = await console.admin.post(
        f"/api/tickets/{number}/comments",
        json={"body": payload, "body_format": "html", "direction": "internal"},
    )
    assert noted.status_code == 201, noted.text
    template = await console.admin.post(
        "/api/tickets/templates",
        json={
            "name": "Hostile template",
            "type": "ticket",
            "subject": payload[:900],
            "body": payload,
            "body_format": "html",
        },
    )
    assert template.status_code == 201, template.text

    await sign_in(page, console, username, at=f"/tickets/{number}")
    log = page.get_by_role("log", name="Messages")
    await expect(log.get_by_text("Words that stay readable.")).to_have_count(2)
    # The composer: the same markup typed as HTML, sent as a note.
    await page.get_by_role("group", name="Message: editor mode").get_by_text("HTML", exact=True).click()
    await page.get_by_label("Message", exact=True).fill(payload)
    await page.get_by_role("button", name="Send", exact=True).click()
    await expect(log.get_by_text("Words that stay readable.")).to_have_count(3)
    # The template: inserted into the rich-text editor, where it stays editable and inert.
    await page.get_by_role("group", name="Message: editor mode").get_by_text("Rich Text").click()
    await page.get_by_role("button", name="Template").click()
    await page.get_by_role("option", name="Hostile template").click()
    await expect(page.locator("#composer-body")).to_contain_text("Words that stay readable.")
    await _click_every_link(page)

    await _not_pwned(page)
    await expect(page.get_by_role("dialog").get_by_role("heading", level=2)).to_contain_text("<script>")
    await page.get_by_role("group", name="Conversation layout").get_by_text("List View").click()
    await expect(log).to_have_class("messages list")
    await expect(page.get_by_role("button", name="Send", exact=True)).to_be_visible()
    # The server turned the remote image into its alt text, so there is nothing to ask for.
    await expect(page.get_by_role("button", name="remote image")).to_have_count(0)
    assert tracker.hits == []
    await screenshot(page, "ticket-hostile-content")


async def test_the_consoles_own_sanitiser_holds_when_the_server_lets_markup_through(
    page: Page, console: Console, tracker: Tracker
) -> None:
    payload = hostile(tracker.url)
    department = await console.department()
    username = await console.operator("tickets_enabled", departments=[department["id"]])
    number = (await console.ticket("Raw markup", department_id=department["id"]))["number"]

    async def raw_conversation(route: Route) -> None:
        # What a server whose sanitiser had failed would answer: the markup exactly as written.
        comment = {
            "id": "00000000-0000-4000-8000-000000000001",
            "direction": "inbound",
            "author_id": None,
            "author_name": "<img src=x onerror=window.__pwned=1>",
            "body_html": payload,
            "body_text": "",
            "created_at": "2026-01-05T10:00:00Z",
        }
        await route.fulfill(status=200, content_type="application/json", body=json.dumps([comment]))

    await page.route(f"**/api/tickets/{number}/comments", raw_conversation)
    await sign_in(page, console, username, at=f"/tickets/{number}")
    log = page.get_by_role("log", name="Messages")
    message = log.get_by_role("article", name="Inbound from")
    await expect(message).to_contain_text("Words that stay readable.")
    await expect(message).to_contain_text("<img src=x onerror=window.__pwned=1>")
    await _click_every_link(page)
    await _not_pwned(page)
    await expect(page.get_by_role("button", name="Send", exact=True)).to_be_visible()
    await page.get_by_role("group", name="Conversation layout").get_by_text("List View").click()
    assert tracker.hits == []
    await screenshot(page, "ticket-hostile-raw-blocked")

    await message.get_by_role("button", name="Show 1 remote image").click()
    await expect(message.get_by_role("img", name="tracker")).to_have_js_property("naturalWidth", 1)
    assert tracker.hits == ["/tracker.png"]
    await _not_pwned(page)
    await screenshot(page, "ticket-hostile-raw-images-shown")
