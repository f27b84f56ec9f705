"""Retried creations (Idempotency-Key) return the first answer; attachments fail fast without NATS."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from helpdesk_common.attachment_store import AttachmentStorage
from helpdesk_common.db import autocommit_connection
from helpdesk_common.embedded import EmbeddedNats, free_port
from helpdesk_common.idempotency import forget_old_keys
from services.ticketing.tests.conftest import Ticketing
from services.ticketing.tests.test_tickets import AGENT

KEY = {"Idempotency-Key": "3f0c2a9e-5d1b-4c8e-9f7a-2b6d4e8c1a05"}


async def count(ticketing_app: Ticketing, table: str) -> int:
    rows = await ticketing_app.sql(f"SELECT count(*) AS n FROM ticketing.{table}")
    return int(rows[0]["n"])


async def test_a_retried_ticket_creation_returns_the_first_ticket(ticketing_app: Ticketing) -> None:
    await ticketing_app.switch_module(True)
    headers = {**ticketing_app.as_operator(*AGENT), **KEY}
    first = await ticketing_app.client.post("/", json={"title": "Printer"}, headers=headers)
    again = await ticketing_app.client.post("/", json={"title": "Printer"}, headers=headers)
    assert first.status_code == again.status_code == 201, again.text
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true" and "idempotent-replayed" not in first.headers
    assert await count(ticketing_app, "tickets") == 1
    created = await ticketing_app.sql("SELECT id FROM ticketing.outbox WHERE event_type = 'ticket_created'")
    assert len(created) == 1, "one ticket_created for one ticket"

    other_body = await ticketing_app.client.post("/", json={"title": "Scanner"}, headers=headers)
    assert other_body.status_code == 422
    assert other_body.json()["type"] == "urn:helpdesk:problem:idempotency-key-reused"
    other_operator = {**ticketing_app.as_operator(*AGENT), **KEY}
    theirs = await ticketing_app.client.post("/", json={"title": "Printer"}, headers=other_operator)
    assert theirs.status_code == 201 and theirs.json()["number"] != first.json()["number"]
    without_key = await ticketing_app.client.post(
        "/", json={"title": "Printer"}, headers=ticketing_app.as_operator(*AGENT)
    )
    assert without_key.status_code == 201
    assert await count(ticketing_app, "tickets") == 3


async def test_concurrent_retries_make_one_ticket(ticketing_app: Ticketing) -> None:
    await ticketing_app.switch_module(True)
    headers = {**ticketing_app.as_operator(*AGENT), **KEY}
    answers = await asyncio.gather(
        *(ticketing_app.client.post("/", json={"title": "Printer"}, headers=headers) for _ in range(6))
    )
    assert {answer.status_code for answer in answers} == {201}
    assert len({answer.json()["number"] for answer in answers}) == 1
    assert await count(ticketing_app, "tickets") == 1


async def test_a_failed_request_does_not_use_up_its_key(ticketing_app: Ticketing) -> None:
    await ticketing_app.switch_module(True)
    headers = {**ticketing_app.as_operator(*AGENT), **KEY}
    refused = await ticketing_app.client.post(
        "/", json={"title": "Printer", "department_id": str(uuid.uuid4())}, headers=headers
    )
    assert refused.status_code == 422, refused.text
    accepted = await ticketing_app.client.post("/", json={"title": "Printer"}, headers=headers)
    assert accepted.status_code == 201 and "idempotent-replayed" not in accepted.headers


async def test_retried_comments_and_uploads_are_stored_once(ticketing_app: Ticketing) -> None:
    await ticketing_app.switch_module(True)
    operator = ticketing_app.as_operator(*AGENT)
    number = (await ticketing_app.client.post("/", json={"title": "Logs"}, headers=operator)).json()["number"]
    headers = {**operator, **KEY}
    for _ in range(2):
        comment = await ticketing_app.client.post(
            f"/{number}/comments", json={"body": "Looking", "direction": "internal"}, headers=headers
        )
        assert comment.status_code == 201, comment.text
    upload_key = {**operator, "Idempotency-Key": '"upload-1"'}
    uploads = [
        await ticketing_app.client.post(
            f"/{number}/attachments", params={"name": "app.log"}, content=b"ERROR", headers=upload_key
        )
        for _ in range(2)
    ]
    assert [u.status_code for u in uploads] == [201, 201] and uploads[0].json() == uploads[1].json()
    changed = await ticketing_app.client.post(
        f"/{number}/attachments", params={"name": "app.log"}, content=b"OTHER", headers=upload_key
    )
    assert changed.status_code == 422
    assert await count(ticketing_app, "comments") == 1
    assert await count(ticketing_app, "attachments") == 1


async def test_keys_are_forgotten_after_their_retention(ticketing_app: Ticketing) -> None:
    await ticketing_app.switch_module(True)
    headers = {**ticketing_app.as_operator(*AGENT), **KEY}
    await ticketing_app.client.post("/", json={"title": "Printer"}, headers=headers)
    engine = ticketing_app.client._transport.app.state.runtime.engine  # type: ignore[attr-defined]
    async with autocommit_connection(engine) as connection:
        assert await forget_old_keys(connection) == 0
        await connection.execute("UPDATE idempotency_keys SET created_at = now() - interval '25 hours'")
        assert await forget_old_keys(connection) == 1


@pytest.fixture
async def own_nats(tmp_path: Path) -> AsyncIterator[EmbeddedNats]:
    """A NATS server of this test's own, since the test stops it."""
    server = EmbeddedNats(tmp_path / "nats", free_port()).start()
    yield server
    server.stop()


async def test_attachments_answer_a_quick_retryable_503_while_nats_is_away_and_store_nothing(
    ticketing_app: Ticketing, own_nats: EmbeddedNats
) -> None:
    await ticketing_app.switch_module(True)
    state = ticketing_app.client._transport.app.state  # type: ignore[attr-defined]
    state.attachments = AttachmentStorage(own_nats.url, "ticket-attachments")
    headers = ticketing_app.as_operator(*AGENT)
    number = (await ticketing_app.client.post("/", json={"title": "Logs"}, headers=headers)).json()["number"]
    kept = await ticketing_app.client.post(
        f"/{number}/attachments", params={"name": "a.log"}, content=b"first", headers=headers
    )
    assert kept.status_code == 201, kept.text

    own_nats.stop()
    for storage in (state.attachments, AttachmentStorage(own_nats.url, "ticket-attachments")):
        state.attachments = storage  # connected before NATS went away, and never connected
        started = time.monotonic()
        refused = await ticketing_app.client.post(
            f"/{number}/attachments", params={"name": "b.log"}, content=b"second", headers=headers
        )
        download = await ticketing_app.client.get(
            f"/{number}/attachments/{kept.json()['id']}/download", headers=headers
        )
        assert time.monotonic() - started < 15, "refused quickly, not after the gateway's timeout"
        for answer in (refused, download):
            assert answer.status_code == 503, answer.text
            assert answer.headers["content-type"] == "application/problem+json"
            assert answer.headers["retry-after"] == "5"
    assert await count(ticketing_app, "attachments") == 1

    own_nats.start()
    state.attachments = AttachmentStorage(own_nats.url, "ticket-attachments")
    again = await ticketing_app.client.post(
        f"/{number}/attachments", params={"name": "b.log"}, content=b"second", headers=headers
    )
    assert again.status_code == 201, again.text
    listed = await ticketing_app.client.get(f"/{number}/attachments", headers=headers)
    assert [item["name"] for item in listed.json()] == ["a.log", "b.log"]
