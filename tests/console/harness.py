"""What the console's browser tests share: the stack behind the console, operators with chosen
flags, signing in, the accessibility check, and the screenshots a reviewer looks at."""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Locator, Page, expect

from tests.backbone.harness import eventually
from tests.journeys.stack import PASSWORD, RunningStack

ROOT = Path(__file__).resolve().parents[2]
CONSOLE_DIST = ROOT / "console" / "dist"
CONSOLE_SOURCES = [
    ROOT / "console" / "src",
    ROOT / "console" / "index.html",
    ROOT / "console" / "package-lock.json",
]
AXE = ROOT / "console" / "node_modules" / "axe-core" / "axe.min.js"
# Written by the tests for a reviewer (not committed): one picture per page and state.
SCREENSHOTS = Path(os.environ.get("HELPDESK_SCREENSHOTS", ROOT / "test-results" / "console"))


def console_build_problem() -> str | None:
    """Why the built console cannot be used, or None: it must exist and be newer than its sources."""
    index = CONSOLE_DIST / "index.html"
    if not index.exists():
        return "the console is not built: run `make console`"
    built = index.stat().st_mtime
    newest = max((path.stat().st_mtime for source in CONSOLE_SOURCES for path in _files(source)), default=0.0)
    if newest > built:
        return "the console is older than its sources: run `make console`"
    return None


def _files(source: Path) -> list[Path]:
    return [source] if source.is_file() else [path for path in source.rglob("*") if path.is_file()]


@dataclass
class Console:
    """A running stack serving the console, with an administrator's API client beside it, and the file
    holding how many seconds the time tracker's clock is ahead (`set_server_clock`)."""

    stack: RunningStack
    admin: httpx.AsyncClient
    clock_file: Path

    def set_server_clock(self, seconds_ahead: float) -> None:
        """Moves the time tracker's clock to `seconds_ahead` of the system's; written whole (a temporary
        file renamed over it), since the service reads the file at every reading of the time."""
        written = self.clock_file.with_name(f"{self.clock_file.name}.{secrets.token_hex(4)}")
        written.write_text(str(seconds_ahead))
        written.replace(self.clock_file)

    @property
    def url(self) -> str:
        return self.stack.api

    async def operator(
        self, *flags: str, departments: list[str] | None = None, name: str | None = None
    ) -> str:
        """A new operator holding exactly `flags`, member of `departments`; returns the username."""
        username = name or f"op{secrets.token_hex(3)}"
        answer = await self.admin.post(
            "/api/operators",
            json={
                "username": username,
                "email": f"{username}@example.com",
                "display_name": f"Operator {username}",
                "password": PASSWORD,
                "flags": list(flags),
                "default_department_id": (departments or [None])[0],
            },
        )
        assert answer.status_code == 201, answer.text
        for department in departments or []:
            await self.add_member(department, answer.json()["id"])
        return username

    async def add_member(self, department_id: str, operator_id: str) -> None:
        """Ticketing learns of a new operator from the gateway's event, moments after its creation:
        until then it refuses the membership, so the change is tried again for a while."""
        for _ in range(50):
            current = await self.admin.get(f"/api/tickets/departments/{department_id}")
            assert current.status_code == 200, current.text
            members = [*(member["id"] for member in current.json()["members"]), operator_id]
            changed = await self.admin.patch(
                f"/api/tickets/departments/{department_id}", json={"member_ids": members}
            )
            if changed.status_code != 422:
                break
            await asyncio.sleep(0.2)
        assert changed.status_code == 200, changed.text

    async def read(self, path: str) -> Any:
        """The administrator's GET of `path`, which must answer 200."""
        answer = await self.admin.get(path)
        assert answer.status_code == 200, answer.text
        return answer.json()

    async def named(self, path: str, name: str) -> dict[str, Any] | None:
        """The record called `name` in the list at `path`, if there is one."""
        return next((item for item in await self.read(path) if item["name"] == name), None)

    async def known_to_ticketing(self, username: str) -> None:
        """Waits until ticketing's directory lists `username`: it learns of a new operator from the
        gateway's event, and a picker that read the directory before then does not offer them."""

        async def listed() -> bool:
            answer = await self.admin.get("/api/tickets/operators", params={"search": username})
            return answer.status_code == 200 and any(entry["username"] == username for entry in answer.json())

        await eventually(listed, within=30, what=f"ticketing's directory to list {username}")

    async def department(self, name: str | None = None) -> dict[str, Any]:
        answer = await self.admin.post(
            "/api/tickets/departments", json={"name": name or f"Department {secrets.token_hex(3)}"}
        )
        assert answer.status_code == 201, answer.text
        return answer.json()

    async def ticket(self, title: str, **fields: Any) -> dict[str, Any]:
        answer = await self.admin.post("/api/tickets", json={"title": title, **fields})
        assert answer.status_code == 201, answer.text
        return answer.json()


def unique(word: str) -> str:
    """`word` with a random suffix, so records of tests sharing the stack never clash."""
    return f"{word} {secrets.token_hex(3)}"


def row(scope: Page | Locator, text: str) -> Locator:
    """The table row in `scope` holding `text`."""
    return scope.get_by_role("row").filter(has_text=text)


async def sign_in(page: Page, console: Console, username: str, *, at: str = "/") -> None:
    await page.goto(f"{console.url}{at}")
    await page.get_by_label("Username").fill(username)
    await page.locator("#password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("button", name="Sign out")).to_be_visible()


async def assert_accessible(page: Page, what: str) -> None:
    """axe-core over the page once it has settled: no serious or critical violation. A dialog still
    fading in is half transparent, and its text would be judged at a contrast nobody reads it at. A
    violation must still be there a second later: on a loaded machine axe once caught a field between
    two renders (aria-valid-attr-value), which no reader ever meets; a real one stays."""
    await settled(page)
    if not await page.evaluate("() => typeof window.axe !== 'undefined'"):
        # evaluate() runs outside the page's Content-Security-Policy, which refuses inline scripts.
        await page.evaluate(AXE.read_text())
    first = await _violations(page)
    if first:
        await page.wait_for_timeout(1000)
    bad = await _violations(page) if first else []
    assert not bad, f"{what}: accessibility violations:\n{json.dumps(bad, indent=2)}"


async def _violations(page: Page) -> list[dict[str, Any]]:
    """The serious and critical ones, each with the start of its elements' markup."""
    result: list[dict[str, Any]] = await page.evaluate(
        "() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => ({"
        "id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.html.slice(0, 300)).slice(0, 5)})))"
    )
    return [violation for violation in result if violation["impact"] in ("serious", "critical")]


async def settled(page: Page) -> None:
    """Dialogs, overlays and tabs have finished fading: mid-fade, text is pale to axe and to a picture.
    An animation that never ends (a spinner, a loading bar) is not waited for."""
    await page.wait_for_function(
        "() => document.getAnimations().every((animation) => animation.playState !== 'running'"
        " || animation.effect?.getTiming().iterations === Infinity)"
    )


async def screenshot(page: Page, name: str) -> Path:
    """The page once settled, whole, under `name` in the reviewer's folder."""
    await settled(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^a-z0-9-]+', '-', name.lower())}.png"
    await page.screenshot(path=path, full_page=True)
    return path
