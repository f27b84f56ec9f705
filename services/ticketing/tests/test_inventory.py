"""Tenants and devices (seed 10.11, 10.12): the projection kept from inventory events by the ticketing
consumers running as a real process, the import endpoint, and the reads the contact form uses."""

from __future__ import annotations

import asyncio
import os
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from nats.js import JetStreamContext

from helpdesk_common.contracts.envelope import EventEnvelope
from helpdesk_common.contracts.inventory import (
    InventoryDevice,
    InventoryDeviceData,
    InventoryDeviceRemoved,
    InventoryDeviceRemovedData,
    InventoryDeviceUpserted,
    InventoryRecordId,
    InventoryTenant,
    InventoryTenantData,
    InventoryTenantRemoved,
    InventoryTenantRemovedData,
    InventoryTenantUpserted,
)
from helpdesk_common.embedded import free_port
from helpdesk_common.testing.infrastructure import TestServers
from services.ticketing.tests.conftest import Ticketing
from ticketing.main import service as ticketing

MANAGER = ("tickets_enabled", "tickets_manage_customers")
REPO = Path(__file__).resolve().parents[3]


def _tenant(name: str, tenant_id: uuid.UUID | None = None) -> dict[str, str]:
    return {"id": str(tenant_id or uuid.uuid4()), "name": name}


def _device(name: str, tenant: dict[str, str], **attributes: Any) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "tenant_id": tenant["id"], "name": name, "attributes": attributes}


async def _import(ticketing_app: Ticketing, body: dict[str, Any], status: int = 200) -> dict[str, Any]:
    response = await ticketing_app.client.post(
        "/inventory/import", json=body, headers=ticketing_app.as_operator(*MANAGER)
    )
    assert response.status_code == status, response.text
    result: dict[str, Any] = response.json()
    return result


async def _get(ticketing_app: Ticketing, path: str) -> Any:
    response = await ticketing_app.client.get(path, headers=ticketing_app.as_operator(*MANAGER))
    assert response.status_code == 200, response.text
    return response.json()


async def _link(ticketing_app: Ticketing, tenant_id: str, *device_ids: str) -> str:
    """A customer of the tenant with one contact linked to the devices, as the contacts API leaves it."""
    customer_id, contact_id = uuid.uuid4(), uuid.uuid4()
    await ticketing_app.sql(
        f"INSERT INTO ticketing.customers (id, company_name, tenant_id) "
        f"VALUES ('{customer_id}', 'Company {customer_id}', '{tenant_id}')"
    )
    await ticketing_app.sql(
        f"INSERT INTO ticketing.contacts (id, email, customer_id) "
        f"VALUES ('{contact_id}', '{contact_id}@example.com', '{customer_id}')"
    )
    for device_id in device_ids:
        await ticketing_app.sql(
            "INSERT INTO ticketing.contact_devices (contact_id, device_id) "
            f"VALUES ('{contact_id}', '{device_id}')"
        )
    return str(contact_id)


async def _linked_devices(ticketing_app: Ticketing, contact_id: str) -> set[str]:
    rows = await ticketing_app.sql(
        f"SELECT device_id FROM ticketing.contact_devices WHERE contact_id = '{contact_id}'"
    )
    return {str(row["device_id"]) for row in rows}


async def test_inventory_endpoints_need_the_module_and_tickets_manage_customers(
    ticketing_app: Ticketing,
) -> None:
    tenant_devices = f"/inventory/tenants/{uuid.uuid4()}/devices"
    requests: list[tuple[str, str, dict[str, Any] | None]] = [
        ("POST", "/inventory/import", {"tenants": []}),
        ("GET", "/inventory/tenants", None),
        ("GET", tenant_devices, None),
    ]
    for method, path, body in requests:
        off = await ticketing_app.client.request(
            method, path, json=body, headers=ticketing_app.as_operator(*MANAGER)
        )
        assert off.status_code == 403 and off.json()["reason"] == "module_disabled", path

    await ticketing_app.switch_module(True)
    for method, path, body in requests:
        refused = await ticketing_app.client.request(
            method, path, json=body, headers=ticketing_app.as_operator("tickets_enabled")
        )
        assert refused.status_code == 403, path
        assert refused.json()["flag"] == "tickets_manage_customers", path
        allowed = await ticketing_app.client.request(
            method, path, json=body, headers=ticketing_app.as_operator(*MANAGER)
        )
        assert allowed.status_code == (404 if path == tenant_devices else 200), (path, allowed.text)


async def test_an_import_upserts_tenants_and_devices_and_answers_counts(ticketing_app: Ticketing) -> None:
    await ticketing_app.switch_module(True)
    acme, globex = _tenant("ACME"), _tenant("Globex")
    laptop = _device("LT-0042", acme, hostname="lt-0042.acme.local", os="Windows 11", serial="5CG1")
    server = _device("SRV-01", acme, os="Debian 12")
    printer = _device("Printer", globex)
    assert await _import(
        ticketing_app, {"tenants": [acme, globex], "devices": [laptop, server, printer]}
    ) == {
        "tenants": 2,
        "devices": 3,
    }

    tenants = await _get(ticketing_app, "/inventory/tenants")
    assert [(t["name"], t["device_count"]) for t in tenants] == [("ACME", 2), ("Globex", 1)]
    assert [t["name"] for t in await _get(ticketing_app, "/inventory/tenants?search=glob")] == ["Globex"]
    devices = await _get(ticketing_app, f"/inventory/tenants/{acme['id']}/devices")
    assert [(d["name"], d["attributes"]) for d in devices] == [
        ("LT-0042", {"hostname": "lt-0042.acme.local", "os": "Windows 11", "serial": "5CG1"}),
        ("SRV-01", {"os": "Debian 12"}),
    ]
    searched = await _get(ticketing_app, f"/inventory/tenants/{acme['id']}/devices?search=srv")
    assert [d["id"] for d in searched] == [server["id"]]

    # The same records again, changed: replaced, never doubled. A known tenant need not come along.
    renamed = {**laptop, "name": "LT-0042 (Ada)", "attributes": {"os": "Windows 12"}}
    assert await _import(
        ticketing_app, {"tenants": [{**acme, "name": "ACME Ltd"}], "devices": [renamed]}
    ) == {
        "tenants": 1,
        "devices": 1,
    }
    assert await _import(ticketing_app, {"devices": [_device("Scanner", globex)]}) == {
        "tenants": 0,
        "devices": 1,
    }
    assert [t["name"] for t in await _get(ticketing_app, "/inventory/tenants")] == ["ACME Ltd", "Globex"]
    devices = await _get(ticketing_app, f"/inventory/tenants/{acme['id']}/devices")
    assert [(d["name"], d["attributes"]) for d in devices] == [
        ("LT-0042 (Ada)", {"os": "Windows 12"}),
        ("SRV-01", {"os": "Debian 12"}),
    ]
    assert len(await ticketing_app.sql("SELECT id FROM ticketing.devices")) == 4


async def test_a_large_import_is_written_in_batches_in_one_call(ticketing_app: Ticketing) -> None:
    await ticketing_app.switch_module(True)
    tenants = [_tenant(f"t{number:05d}") for number in range(10_000)]
    devices = [_device(f"d{number:04d}", tenants[number % 3]) for number in range(2_500)]
    body = {"tenants": tenants, "devices": devices}
    assert len(orjson.dumps(body)) < 1_048_576  # the service's request size limit
    assert await _import(ticketing_app, body) == {"tenants": 10_000, "devices": 2_500}
    counts = await ticketing_app.sql(
        "SELECT (SELECT count(*) FROM ticketing.tenants) AS tenants, "
        "(SELECT count(*) FROM ticketing.devices) AS devices"
    )
    assert dict(counts[0]) == {"tenants": 10_000, "devices": 2_500}
    first = await _get(ticketing_app, "/inventory/tenants?limit=2")
    assert [(t["name"], t["device_count"]) for t in first] == [("t00000", 834), ("t00001", 833)]


async def test_a_refused_import_writes_nothing_and_names_the_field(ticketing_app: Ticketing) -> None:
    await ticketing_app.switch_module(True)
    known = _tenant("Known")
    await _import(ticketing_app, {"tenants": [known]})
    fresh = _tenant("Fresh")
    nowhere = _tenant("Nowhere")
    duplicate = _device("twice", known)
    for body, field in (
        (
            {"tenants": [fresh], "devices": [_device("ok", known), _device("lost", nowhere)]},
            "devices.1.tenant_id",
        ),
        ({"tenants": [fresh, {**fresh, "name": "again"}]}, "tenants.1.id"),
        ({"tenants": [fresh], "devices": [duplicate, duplicate]}, "devices.1.id"),
        ({"tenants": [_tenant(f"t{n}") for n in range(10_001)]}, "tenants"),
        ({"tenants": [{**fresh, "name": " "}]}, "tenants.0.name"),
        ({"tenants": [{"id": "not-a-uuid", "name": "x"}]}, "tenants.0.id"),
        ({"devices": [{**_device("x", known), "colour": "red"}]}, "devices.0.colour"),
        (
            {"devices": [{**_device("x", known), "attributes": ["not", "an", "object"]}]},
            "devices.0.attributes",
        ),
        ({"devices": [{"id": str(uuid.uuid4()), "name": "x"}]}, "devices.0.tenant_id"),
        ({"customers": []}, "customers"),
    ):
        response = await ticketing_app.client.post(
            "/inventory/import", json=body, headers=ticketing_app.as_operator(*MANAGER)
        )
        assert response.status_code == 422, (field, response.text)
        assert any(error["field"] == field for error in response.json()["errors"]), (field, response.json())
    assert [t["name"] for t in await _get(ticketing_app, "/inventory/tenants")] == ["Known"]
    assert await ticketing_app.sql("SELECT id FROM ticketing.devices") == []

    unknown = await ticketing_app.client.get(
        f"/inventory/tenants/{nowhere['id']}/devices", headers=ticketing_app.as_operator(*MANAGER)
    )
    assert unknown.status_code == 404


async def test_a_device_that_moves_to_another_tenant_leaves_the_contacts_of_the_old_one(
    ticketing_app: Ticketing,
) -> None:
    await ticketing_app.switch_module(True)
    acme, globex = _tenant("ACME"), _tenant("Globex")
    laptop, desktop = _device("laptop", acme), _device("desktop", acme)
    await _import(ticketing_app, {"tenants": [acme, globex], "devices": [laptop, desktop]})
    contact = await _link(ticketing_app, acme["id"], laptop["id"], desktop["id"])

    await _import(ticketing_app, {"devices": [{**laptop, "name": "renamed laptop"}]})
    assert await _linked_devices(ticketing_app, contact) == {laptop["id"], desktop["id"]}
    await _import(ticketing_app, {"devices": [{**laptop, "tenant_id": globex["id"]}]})
    assert await _linked_devices(ticketing_app, contact) == {desktop["id"]}


# The projection kept from events, by the ticketing consumers in a process of their own.


class ConsumersProcess:
    def __init__(self, process: asyncio.subprocess.Process, log: Path) -> None:
        self.process = process
        self.log = log

    def assert_alive(self) -> None:
        if self.process.returncode is not None:
            raise AssertionError(
                f"the consumers exited with {self.process.returncode}:\n{self.log.read_text()[-4000:]}"
            )


@pytest.fixture
async def consumers(
    ticketing_app: Ticketing, servers: TestServers, jetstream: JetStreamContext, tmp_path: Path
) -> AsyncIterator[ConsumersProcess]:
    """`helpdesk run ticketing --role consumers`, with the ticketing role's own database URL."""
    log = tmp_path / "ticketing-consumers.log"
    port = free_port()
    with log.open("ab") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            *("-m", "helpdesk_cli.main", "run", "ticketing", "--role", "consumers"),
            cwd=REPO,
            env={
                **os.environ,
                "HELPDESK_DATABASE_URL": ticketing_app.database.url_for(ticketing),
                "HELPDESK_NATS_URL": servers.nats_url,
                "HELPDESK_HTTP_PORT": str(port),
                "HELPDESK_LOG_JSON": "false",
            },
            stdout=output,
            stderr=output,
        )
    running = ConsumersProcess(process, log)
    try:
        # Ready means connected to NATS with its durable consumers declared: events published
        # from here on are the test's, not a race with the process starting.
        await _eventually(running, lambda: _ready(port), "the consumers process to be ready", within=60.0)
        yield running
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 15)
            except TimeoutError:
                process.kill()
                await process.wait()


async def _publish(
    jetstream: JetStreamContext, event: EventEnvelope[Any], message_id: str | None = None
) -> None:
    await jetstream.publish(
        event.bus_subject(), event.to_json(), headers={"Nats-Msg-Id": message_id or str(event.id)}
    )


async def _ready(port: int) -> bool:
    try:
        async with httpx.AsyncClient(timeout=1.0) as http:
            return (await http.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200
    except httpx.HTTPError:
        return False


async def _eventually(
    consumers: ConsumersProcess, condition: Callable[[], Awaitable[bool]], what: str, within: float = 30.0
) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        consumers.assert_alive()
        if await condition():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}:\n{consumers.log.read_text()[-4000:]}")


def _stamped(event: EventEnvelope[Any], at: datetime) -> Any:
    return event.model_copy(update={"time": at})


def tenant_upserted(tenant_id: uuid.UUID, name: str, at: datetime) -> InventoryTenantUpserted:
    event = InventoryTenantUpserted.build(
        source="acme-rmm",
        subject=str(tenant_id),
        data=InventoryTenantData(tenant=InventoryTenant(id=tenant_id, name=name)),
    )
    stamped: InventoryTenantUpserted = _stamped(event, at)
    return stamped


def device_upserted(
    device_id: uuid.UUID, tenant_id: uuid.UUID, name: str, at: datetime, **attributes: Any
) -> InventoryDeviceUpserted:
    device = InventoryDevice(id=device_id, tenant_id=tenant_id, name=name, attributes=attributes)
    event = InventoryDeviceUpserted.build(
        source="acme-rmm", subject=str(device_id), data=InventoryDeviceData(device=device)
    )
    stamped: InventoryDeviceUpserted = _stamped(event, at)
    return stamped


async def test_inventory_events_keep_the_projection_through_the_real_consumer(
    ticketing_app: Ticketing, consumers: ConsumersProcess, jetstream: JetStreamContext
) -> None:
    await ticketing_app.switch_module(True)
    start = datetime.now(UTC) - timedelta(hours=1)

    def at(minutes: int) -> datetime:
        return start + timedelta(minutes=minutes)

    acme, globex, later = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    laptop, desktop, printer, early = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    for event in (
        tenant_upserted(acme, "ACME", at(1)),
        tenant_upserted(globex, "Globex", at(1)),
        device_upserted(laptop, acme, "laptop", at(2), hostname="lt-1.acme.local", os="Windows 11"),
        device_upserted(desktop, acme, "desktop", at(2)),
        device_upserted(printer, globex, "printer", at(2)),
        # A device may arrive before its tenant.
        device_upserted(early, later, "early bird", at(2)),
        tenant_upserted(acme, "ACME Ltd", at(3)),
        # Late: older than the rename above, so it changes nothing.
        tenant_upserted(acme, "ACME (stale)", at(2)),
    ):
        await _publish(jetstream, event)

    async def tenant_names() -> dict[str, str]:
        rows = await ticketing_app.sql("SELECT id, name FROM ticketing.tenants")
        return {str(row["id"]): row["name"] for row in rows}

    async def device_ids() -> set[str]:
        return {str(row["id"]) for row in await ticketing_app.sql("SELECT id FROM ticketing.devices")}

    async def all_applied() -> bool:
        inbox = await ticketing_app.sql("SELECT count(*) AS n FROM ticketing.inbox")
        return int(inbox[0]["n"]) == 8

    await _eventually(consumers, all_applied, "the first eight events")
    assert await tenant_names() == {str(acme): "ACME Ltd", str(globex): "Globex"}
    assert await device_ids() == {str(laptop), str(desktop), str(printer), str(early)}
    listed = await _get(ticketing_app, f"/inventory/tenants/{acme}/devices")
    assert [(d["name"], d["attributes"]) for d in listed] == [
        ("desktop", {}),
        ("laptop", {"hostname": "lt-1.acme.local", "os": "Windows 11"}),
    ]

    # The same event delivered twice (a producer that published again after a lost ack, beyond the
    # duplicate window): both messages are in the stream, the change is applied once.
    contact = await _link(ticketing_app, str(acme), str(laptop), str(desktop))
    removal = InventoryDeviceRemoved.build(
        source="acme-rmm",
        subject=str(laptop),
        data=InventoryDeviceRemovedData(device=InventoryRecordId(id=laptop)),
    )
    await _publish(jetstream, removal, message_id=f"{removal.id}-first")
    await _publish(jetstream, removal, message_id=f"{removal.id}-again")

    async def removal_acknowledged_twice() -> bool:
        info = await jetstream.consumer_info("INVENTORY", "ticketing-inventory")
        return info.delivered.stream_seq == 10 and info.num_ack_pending == 0 and info.num_pending == 0

    await _eventually(consumers, removal_acknowledged_twice, "both deliveries of the removal acked")
    assert (await jetstream.stream_info("INVENTORY")).state.messages == 10
    inbox = await ticketing_app.sql(f"SELECT event_id FROM ticketing.inbox WHERE event_id = '{removal.id}'")
    assert len(inbox) == 1
    assert str(laptop) not in await device_ids()
    assert await _linked_devices(ticketing_app, contact) == {str(desktop)}

    # A device that moves to another tenant leaves the contacts of the old one; a removed tenant
    # takes its devices and their links along.
    await _publish(jetstream, device_upserted(desktop, globex, "desktop", at(4)))

    async def desktop_moved() -> bool:
        return await _linked_devices(ticketing_app, contact) == set()

    await _eventually(consumers, desktop_moved, "the moved desktop unlinked")
    globex_contact = await _link(ticketing_app, str(globex), str(desktop), str(printer))
    await _publish(
        jetstream,
        InventoryTenantRemoved.build(
            source="acme-rmm",
            subject=str(globex),
            data=InventoryTenantRemovedData(tenant=InventoryRecordId(id=globex)),
        ),
    )

    async def globex_removed() -> bool:
        return str(globex) not in await tenant_names()

    await _eventually(consumers, globex_removed, "the tenant removed")
    assert await device_ids() == {str(early)}
    assert await _linked_devices(ticketing_app, globex_contact) == set()
    assert await ticketing_app.sql("SELECT id FROM ticketing.dead_letters") == []
