"""The cleanup sweep: inactive tickets auto-closed once even with two replicas sweeping at once."""

from __future__ import annotations

import asyncio
import io
from collections import Counter

import orjson
import pytest

from helpdesk_common.attachment_store import AttachmentFileMissing, AttachmentStorage
from helpdesk_common.db import create_engine, create_session_factory
from helpdesk_common.testing.infrastructure import TestServers
from services.ticketing.tests.conftest import Ticketing
from services.ticketing.tests.test_tickets import ADMIN, department, outbox
from ticketing.cleanup import sweep_once
from ticketing.main import service as ticketing


async def test_two_replicas_sweeping_at_once_close_each_inactive_ticket_exactly_once(
    ticketing_app: Ticketing,
) -> None:
    await ticketing_app.switch_module(True)
    headers = ticketing_app.as_operator(*ADMIN)
    desk = await department(
        ticketing_app,
        "Desk",
        cleanup={
            "close_inactive_days": 7,
            "close_statuses": ["open", "waiting"],
            "close_note": "Closed after a week without activity.",
        },
    )
    other = await department(ticketing_app, "Other")
    numbers = {}
    for title, status, where in (
        ("stale open", "open", desk),
        ("stale waiting", "waiting", desk),
        ("stale in progress", "in_progress", desk),
        ("fresh open", "open", desk),
        ("stale elsewhere", "open", other),
    ):
        created = await ticketing_app.client.post(
            "/", json={"title": title, "department_id": where["id"]}, headers=headers
        )
        number = created.json()["number"]
        await ticketing_app.client.patch(f"/{number}", json={"status": status}, headers=headers)
        numbers[title] = number
    for _ in range(60):
        await ticketing_app.client.post(
            "/", json={"title": "bulk stale", "department_id": desk["id"]}, headers=headers
        )
    await ticketing_app.sql(
        "UPDATE ticketing.tickets SET last_activity_at = now() - interval '8 days' "
        "WHERE title <> 'fresh open'"
    )

    engines = [
        create_engine(ticketing_app.database.url_for(ticketing), schema="ticketing", pool_size=2)
        for _ in range(2)
    ]
    try:
        results = await asyncio.gather(*(sweep_once(create_session_factory(engine)) for engine in engines))
    finally:
        for engine in engines:
            await engine.dispose()
    assert sum(r.closed for r in results) == 62

    async def status(title: str) -> str:
        return str((await ticketing_app.client.get(f"/{numbers[title]}", headers=headers)).json()["status"])

    assert await status("stale open") == "closed"
    assert await status("stale waiting") == "closed"
    assert await status("stale in progress") == "in_progress", "only the chosen statuses"
    assert await status("fresh open") == "open"
    assert await status("stale elsewhere") == "open", "only departments with a cleanup rule"

    auto_closed = Counter(e["data"]["ticket"]["number"] for e in await outbox(ticketing_app, "auto_closed"))
    assert len(auto_closed) == 62 and set(auto_closed.values()) == {1}
    closed_events = Counter(
        e["data"]["ticket"]["number"] for e in await outbox(ticketing_app, "ticket_closed")
    )
    assert set(closed_events.values()) == {1}
    notes = await ticketing_app.sql(
        "SELECT count(*) AS n FROM ticketing.comments WHERE direction = 'internal' "
        "AND body_text = 'Closed after a week without activity.'"
    )
    assert notes[0]["n"] == 62
    history = (await ticketing_app.client.get(f"/{numbers['stale open']}/history", headers=headers)).json()
    assert {"field": "status", "new_value": "closed", "actor_name": "system"}.items() <= history[-1].items()

    again = await sweep_once(ticketing_app.session_factory)
    assert again.closed == 0, "a second sweep finds nothing left to do"


async def test_closed_tickets_past_the_age_limit_are_deleted_and_nothing_else(
    ticketing_app: Ticketing,
) -> None:
    await ticketing_app.switch_module(True)
    headers = ticketing_app.as_operator(*ADMIN)
    desk = await department(ticketing_app, "Desk", cleanup={"delete_closed_after_days": 30})
    kept_open = (
        await ticketing_app.client.post(
            "/", json={"title": "old but open", "department_id": desk["id"]}, headers=headers
        )
    ).json()["number"]
    old_closed = (
        await ticketing_app.client.post(
            "/", json={"title": "old closed", "department_id": desk["id"]}, headers=headers
        )
    ).json()["number"]
    new_closed = (
        await ticketing_app.client.post(
            "/", json={"title": "new closed", "department_id": desk["id"]}, headers=headers
        )
    ).json()["number"]
    for number in (old_closed, new_closed):
        await ticketing_app.client.post(f"/{number}/close", json={}, headers=headers)
    await ticketing_app.sql(
        "UPDATE ticketing.tickets SET closed_at = now() - interval '31 days', "
        "created_at = now() - interval '40 days' "
        f"WHERE number IN ('{old_closed}', '{kept_open}')"
    )
    swept = await sweep_once(ticketing_app.session_factory)
    assert swept.deleted == 1
    remaining = sorted(r["number"] for r in await ticketing_app.sql("SELECT number FROM ticketing.tickets"))
    assert remaining == sorted([kept_open, new_closed])
    gone = await ticketing_app.sql("SELECT payload FROM ticketing.outbox WHERE event_type = 'ticket_deleted'")
    assert [orjson.loads(row["payload"])["data"]["ticket"]["number"] for row in gone] == [old_closed]
    assert orjson.loads(gone[0]["payload"])["data"]["actor_id"] is None, "the sweep, not an operator"


async def test_deleting_old_closed_tickets_also_deletes_their_attachment_files_when_asked(
    ticketing_app: Ticketing, servers: TestServers
) -> None:
    await ticketing_app.switch_module(True)
    headers = ticketing_app.as_operator(*ADMIN)
    keep_files = await department(ticketing_app, "Keeps files", cleanup={"delete_closed_after_days": 30})
    drop_files = await department(
        ticketing_app,
        "Drops files",
        cleanup={"delete_closed_after_days": 30, "delete_attachment_files": True},
    )
    objects = {}
    for where in (keep_files, drop_files):
        number = (
            await ticketing_app.client.post(
                "/", json={"title": "old", "department_id": where["id"]}, headers=headers
            )
        ).json()["number"]
        await ticketing_app.client.post(
            f"/{number}/attachments", params={"name": "a.log"}, content=b"log", headers=headers
        )
        await ticketing_app.client.post(f"/{number}/close", json={}, headers=headers)
        stored = await ticketing_app.sql(
            "SELECT object_name FROM ticketing.attachments a JOIN ticketing.tickets t ON t.id = a.ticket_id "
            f"WHERE t.number = '{number}'"
        )
        objects[where["name"]] = stored[0]["object_name"]
    await ticketing_app.sql("UPDATE ticketing.tickets SET closed_at = now() - interval '31 days'")

    storage = AttachmentStorage(servers.nats_url, "ticket-attachments")
    try:
        swept = await sweep_once(ticketing_app.session_factory, storage=storage)
        assert swept.deleted == 2
        with pytest.raises(AttachmentFileMissing):
            await storage.get_into(objects["Drops files"], io.BytesIO())
        kept = io.BytesIO()
        await storage.get_into(objects["Keeps files"], kept)
        assert kept.getvalue() == b"log", "without the option the file stays"
    finally:
        await storage.close()
