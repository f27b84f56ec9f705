"""Ticketing's departments and module settings reach the mail gateway through the bus: events
published to JetStream, the service's own consumers running their real loop, the rows they keep."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import nats
import pytest
from nats.js import JetStreamContext

from helpdesk_common.bus.topology import ensure_consumer
from helpdesk_common.contracts.envelope import EventEnvelope
from helpdesk_common.contracts.ticketing import (
    DepartmentChanged,
    DepartmentData,
    DepartmentRemoved,
    DepartmentSnapshot,
    TicketSettingsChanged,
    TicketSettingsData,
)
from helpdesk_common.testing.infrastructure import TestServers
from mail_gateway.consumers import consumers
from tests.backbone.harness import eventually

Publish = Callable[..., Awaitable[None]]


@pytest.fixture
async def running_consumers(
    mail: Any, jetstream: JetStreamContext, servers: TestServers
) -> AsyncIterator[Publish]:
    """The service's consumers on their durables; yields a publisher as the relay publishes."""
    client = await nats.connect(servers.nats_url)
    stop = asyncio.Event()
    for consumer in consumers:
        await ensure_consumer(jetstream, consumer.spec)
    tasks = [asyncio.create_task(c.run(client, mail.app.sessions, stop)) for c in consumers]

    async def publish(event: EventEnvelope[Any], message_id: str | None = None) -> None:
        await jetstream.publish(
            event.bus_subject(), event.to_json(), headers={"Nats-Msg-Id": message_id or str(event.id)}
        )

    try:
        yield publish
    finally:
        stop.set()
        await asyncio.gather(*tasks)
        await client.close()


def _department(department_id: uuid.UUID, name: str, *, enabled: bool = True) -> DepartmentData:
    return DepartmentData(department=DepartmentSnapshot(id=department_id, name=name, enabled=enabled))


def _at(event: Any, moment: datetime) -> Any:
    return event.model_copy(update={"time": moment})


async def _row(mail: Any, department_id: uuid.UUID) -> Any:
    rows = await mail.sql("SELECT * FROM mail.departments WHERE id = $1", department_id)
    return rows[0] if rows else None


async def test_a_department_changed_event_becomes_the_row_and_a_newer_one_wins(
    mail: Any, running_consumers: Any
) -> None:
    department_id = uuid.uuid4()
    now = datetime.now(UTC)
    first = _at(
        DepartmentChanged.build(source="ticketing", subject="d", data=_department(department_id, "Support")),
        now,
    )
    await running_consumers(first)

    async def named(name: str) -> bool:
        row = await _row(mail, department_id)
        return row is not None and row["name"] == name

    await eventually(lambda: named("Support"), within=10, what="the department row")
    renamed = _at(
        DepartmentChanged.build(
            source="ticketing", subject="d", data=_department(department_id, "Help", enabled=False)
        ),
        now + timedelta(seconds=2),
    )
    # Handled out of order: the older snapshot comes after the newer one and changes nothing.
    stale = _at(
        DepartmentChanged.build(source="ticketing", subject="d", data=_department(department_id, "Old")),
        now + timedelta(seconds=1),
    )
    await running_consumers(renamed)
    await eventually(lambda: named("Help"), within=10, what="the rename")
    await running_consumers(stale)
    # The same event again under another message id (past JetStream's duplicate check): the inbox.
    await running_consumers(first, "another-message-id")
    marker = _at(
        DepartmentChanged.build(source="ticketing", subject="m", data=_department(uuid.uuid4(), "Marker")),
        now,
    )
    await running_consumers(marker)
    # One consumer applies its stream in order: once the marker is in, so is what came before it.
    await eventually(lambda: _exists(mail, marker.data.department.id), within=10, what="the marker")
    row = await _row(mail, department_id)
    assert (row["name"], row["enabled"], row["removed_at"]) == ("Help", False, None)
    handled = await mail.sql("SELECT count(*) AS n FROM mail.inbox WHERE event_id = $1", first.id)
    assert handled[0]["n"] == 1


async def test_a_removed_department_takes_its_mailbox_and_a_late_change_does_not_revive_it(
    mail: Any, running_consumers: Any
) -> None:
    department_id = uuid.uuid4()
    now = datetime.now(UTC)
    created = _at(
        DepartmentChanged.build(source="ticketing", subject="d", data=_department(department_id, "Sales")),
        now,
    )
    await running_consumers(created)
    await eventually(lambda: _exists(mail, department_id), within=10, what="the department")
    saved = await mail.client.put(
        f"/departments/{department_id}/mailbox",
        json={
            "smtp_host": "smtp.example.com",
            "smtp_username": "u",
            "smtp_password": "p",
            "from_address": "a@example.com",
        },
        headers=mail.manager(),
    )
    assert saved.status_code == 200, saved.text

    removed = _at(
        DepartmentRemoved.build(source="ticketing", subject="d", data=_department(department_id, "Sales")),
        now + timedelta(seconds=2),
    )
    late = _at(
        DepartmentChanged.build(source="ticketing", subject="d", data=_department(department_id, "Sales 2")),
        now + timedelta(seconds=1),
    )
    await running_consumers(removed)

    async def gone() -> bool:
        row = await _row(mail, department_id)
        return row is not None and row["removed_at"] is not None

    await eventually(gone, within=10, what="the tombstone")
    assert await mail.sql("SELECT 1 FROM mail.mailboxes WHERE department_id = $1", department_id) == []
    await running_consumers(late)

    async def late_handled() -> bool:
        return bool(await mail.sql("SELECT 1 FROM mail.inbox WHERE event_id = $1", late.id))

    await eventually(late_handled, within=10, what="the late change handled")
    row = await _row(mail, department_id)
    assert row["removed_at"] is not None and row["name"] == "Sales"
    read = await mail.client.get(f"/departments/{department_id}/mailbox", headers=mail.manager())
    assert read.status_code == 404


async def _exists(mail: Any, department_id: uuid.UUID) -> bool:
    return await _row(mail, department_id) is not None


async def test_ticket_settings_changed_becomes_the_switch_and_the_blocked_extensions(
    mail_app_with: Any, jetstream: JetStreamContext, servers: TestServers
) -> None:
    async with mail_app_with() as mail:
        client = await nats.connect(servers.nats_url)
        stop = asyncio.Event()
        for consumer in consumers:
            await ensure_consumer(jetstream, consumer.spec)
        tasks = [asyncio.create_task(c.run(client, mail.app.sessions, stop)) for c in consumers]
        try:
            department_id = await mail.department_known()
            off = await mail.client.get(f"/departments/{department_id}/mailbox", headers=mail.manager())
            assert off.status_code == 403 and off.json()["reason"] == "module_disabled"
            event = TicketSettingsChanged.build(
                source="ticketing",
                subject="settings",
                data=TicketSettingsData(
                    ticket_system_enabled=True, ticket_number_prefix="TKT", blocked_extensions=["exe", "js"]
                ),
            )
            await jetstream.publish(
                event.bus_subject(), event.to_json(), headers={"Nats-Msg-Id": str(event.id)}
            )

            async def stored() -> bool:
                rows = await mail.sql("SELECT * FROM mail.module_settings")
                return (
                    bool(rows)
                    and rows[0]["ticket_system_enabled"]
                    and rows[0]["blocked_extensions"] == ["exe", "js"]
                )

            await eventually(stored, within=10, what="the module settings row")
            await asyncio.sleep(1.1)  # the process's reading of the switch is at most a second old
            on = await mail.client.get(f"/departments/{department_id}/mailbox", headers=mail.manager())
            assert on.status_code == 200, on.text
        finally:
            stop.set()
            await asyncio.gather(*tasks)
            await client.close()
