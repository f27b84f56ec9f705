"""What the ITSM pages' browser tests share: alert sources and their keys, alerts over the real HTTP
intake, incidents made by hand (and resolved long ago), SLAs, the ITSM settings put back after a test,
and waiting for what the ITSM consumers and the time tracker learn."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import httpx
from playwright.async_api import Page, Route

from tests.backbone.harness import eventually
from tests.console.harness import Console

VIEW = "incidents.view"
MANAGE = "incidents.manage"
ADMIN = "itsm.settings.manage"


async def source(console: Console, name: str | None = None) -> tuple[dict[str, Any], str]:
    """A new alert source and its first integration key."""
    made = await console.admin.post(
        "/api/itsm/alert-sources", json={"name": name or f"mon-{secrets.token_hex(3)}"}
    )
    assert made.status_code == 201, made.text
    return made.json(), made.json()["new_key"]["key"]


async def send_alert(console: Console, key: str, *, host: str, rule: str, summary: str) -> httpx.Response:
    async with console.stack.client() as anonymous:
        return await anonymous.post(
            "/api/itsm/alerts",
            json={
                "routing_key": key,
                "event_action": "trigger",
                "dedup_key": f"{host}/{rule}",
                "payload": {"summary": summary, "source": host, "severity": "critical", "rule": rule},
            },
        )


async def alert(console: Console, key: str, *, host: str, rule: str, summary: str) -> None:
    sent = await send_alert(console, key, host=host, rule=rule, summary=summary)
    assert sent.status_code == 202, sent.text


async def listed(console: Console, search: str, count: int) -> list[dict[str, Any]]:
    """The incidents whose number, title or host holds `search`, once there are `count` of them."""
    found: list[dict[str, Any]] = []

    async def there() -> bool:
        answer = await console.admin.get("/api/itsm/incidents", params={"search": search, "limit": 200})
        assert answer.status_code == 200, answer.text
        found[:] = answer.json()["items"]
        return len(found) >= count

    await eventually(there, within=60, what=f"{count} incidents matching {search}")
    return found


async def incident(client: httpx.AsyncClient, title: str, **fields: Any) -> dict[str, Any]:
    made = await client.post("/api/itsm/incidents", json={"title": title, **fields})
    assert made.status_code == 201, made.text
    made_incident: dict[str, Any] = made.json()
    return made_incident


@asynccontextmanager
async def settings_kept(console: Console) -> AsyncIterator[dict[str, Any]]:
    """The ITSM settings as they were, put back afterwards: the stack is the session's, and the next
    tests go by its settings."""
    before: dict[str, Any] = (await console.admin.get("/api/itsm/settings")).json()
    try:
        yield before
    finally:
        kept = {name: before[name] for name in before if name != "updated_at"}
        restored = await console.admin.put("/api/itsm/settings", json=kept)
        assert restored.status_code == 200, restored.text


async def resolved_hours_ago(console: Console, incident_ids: list[str], hours: int) -> None:
    """Moves these resolved incidents' resolution `hours` back, so the auto-close window counts them.
    ITSM runs on the system's clock: moving it would age every test's incidents, and its sweep would
    close them."""
    connection = await asyncpg.connect(console.stack.database.url)
    try:
        await connection.execute(
            "UPDATE itsm.incidents SET resolved_at = resolved_at - make_interval(hours => $2)"
            " WHERE id = ANY($1::uuid[]) AND status = 'resolved'",
            incident_ids,
            hours,
        )
    finally:
        await connection.close()


async def sla(console: Console, name: str) -> dict[str, Any]:
    """A new SLA of the SLA engine, once ITSM has learnt of it."""
    made: dict[str, Any] = {}

    async def created() -> bool:
        # The engine refuses its API until the Ticket System's module switch has reached it.
        answer = await console.admin.post(
            "/api/sla/definitions", json={"name": name, "response_hours": 1, "resolution_hours": 4}
        )
        made.update(answer.json() if answer.status_code == 201 else {})
        return answer.status_code == 201

    await eventually(created, within=60, what="the SLA engine to create an SLA")
    await sla_known_to_itsm(console, made["id"], removed=False)
    return made


async def sla_known_to_itsm(console: Console, sla_id: str, *, removed: bool) -> None:
    async def known() -> bool:
        answer = await console.admin.get("/api/itsm/sla-definitions")
        assert answer.status_code == 200, answer.text
        return any(each["id"] == sla_id and each["removed"] is removed for each in answer.json())

    await eventually(known, within=60, what=f"ITSM to know the SLA {'removed' if removed else 'made'}")


async def known_to_time_tracker(console: Console, incident_id: str) -> None:
    """The time tracker learns of an incident from ITSM's event, moments after it is created."""

    async def known() -> bool:
        return (await console.admin.get(f"/api/time/incidents/{incident_id}/entries")).status_code == 200

    await eventually(known, within=60, what="the incident to reach the time tracker")


async def fail_once(page: Page, pattern: str) -> None:
    """The browser's next request matching `pattern` (a read: set it up just before the page reads)
    answers a 500 problem; the ones after reach the server. It mocks what the browser sees of the
    network, not the services."""

    async def refuse(route: Route) -> None:
        problem = {
            "type": "about:blank",
            "title": "Internal Server Error",
            "status": 500,
            "detail": "Something broke.",
        }
        await route.fulfill(status=500, content_type="application/problem+json", body=json.dumps(problem))

    await page.route(pattern, refuse, times=1)


async def hold_once(page: Page, pattern: str) -> asyncio.Event:
    """The browser's next request matching `pattern` waits until the event returned is set, so the
    page's loading state can be seen; then it goes on to the server."""
    release = asyncio.Event()

    async def hold(route: Route) -> None:
        await release.wait()
        await route.continue_()

    await page.route(pattern, hold, times=1)
    return release
