"""The records the fuzzer works on: one of each kind to read and edit, and one more of each to delete,
made through the gateway as an administrator."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import nats

from helpdesk_common.contracts.envelope import EventEnvelope
from helpdesk_common.contracts.inventory import (
    InventoryHostGroup,
    InventoryHostGroupData,
    InventoryHostGroupUpserted,
    InventoryTenant,
    InventoryTenantData,
    InventoryTenantUpserted,
)
from tests.backbone.harness import eventually

# Each operation that names a record in its path draws it from these (or makes one up, for a 404).
Records = dict[str, list[str]]
# The names of the alert sources whose keys alone the fuzzer draws.
INTAKE_PREFIX = "intake-"


async def _created(client: httpx.AsyncClient, path: str, body: dict[str, Any], **params: str) -> Any:
    response = await client.post(path, json=body, params=params)
    assert response.status_code in (200, 201), f"POST {path}: {response.status_code} {response.text}"
    return response.json()


async def _department(admin: httpx.AsyncClient, name: str, *, member_id: str) -> Any:
    """Ticketing learns of the administrator from the bus, a moment after the gateway made them: until
    then a member naming them is refused (422)."""
    created: dict[str, Any] = {}

    async def made() -> bool:
        response = await admin.post(
            "/api/tickets/departments", json={"name": name, "member_ids": [member_id]}
        )
        assert response.status_code in (201, 422), response.text
        created.update(response.json() if response.status_code == 201 else {})
        return bool(created)

    await eventually(made, within=30, what="ticketing to know the administrator")
    return created


async def _time_entry(admin: httpx.AsyncClient, ticket_id: str, *, hour: int) -> Any:
    """An hour booked on the ticket yesterday, once the time tracker has heard of the ticket (from the
    bus, a moment after ticketing made it: until then the ticket is a 404 there)."""
    booked: dict[str, Any] = {}
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    body = {"date": yesterday, "start": f"{hour:02d}:00", "end": f"{hour + 1:02d}:00", "notes": "Seeded"}

    async def made() -> bool:
        response = await admin.post(f"/api/time/tickets/{ticket_id}/entries", json=body)
        assert response.status_code in (201, 404), response.text
        booked.update(response.json() if response.status_code == 201 else {})
        return bool(booked)

    await eventually(made, within=30, what="the time tracker to know the ticket")
    return booked


async def seed(admin: httpx.AsyncClient, *, admin_id: str) -> tuple[Records, Records]:
    """(records to read and edit, records to delete), keyed by the path parameter naming them."""
    switched_on = await admin.put(
        "/api/tickets/settings",
        json={"ticket_system_enabled": True, "ticket_number_prefix": "TKT", "blocked_extensions": [".exe"]},
    )
    assert switched_on.status_code == 200, switched_on.text
    kept: Records = {}
    doomed: Records = {}
    # Names are unique per kind; a second seeding of the same stack must not meet the first's.
    run = secrets.token_hex(3)
    for records, suffix in ((kept, f"kept-{run}"), (doomed, f"doomed-{run}")):
        await _seed_one_of_each(admin, records, suffix, admin_id=admin_id)
    return kept, doomed


async def _seed_one_of_each(
    admin: httpx.AsyncClient, records: Records, suffix: str, *, admin_id: str
) -> None:
    def keep(name: str, value: str) -> str:
        records.setdefault(name, []).append(value)
        return value

    tenant_id = keep("tenant_id", str(uuid.uuid4()))
    await _created(
        admin,
        "/api/tickets/inventory/import",
        {
            "tenants": [{"id": tenant_id, "name": f"Tenant {suffix}"}],
            "devices": [{"id": str(uuid.uuid4()), "tenant_id": tenant_id, "name": f"pc-{suffix}"}],
        },
    )
    sla = await _created(admin, "/api/sla/definitions", {"name": f"SLA {suffix}", "response_hours": 4})
    keep("definition_id", sla["id"])
    calendar = await _created(
        admin,
        "/api/sla/calendars",
        {
            "name": f"Calendar {suffix}",
            "time_zone": "Europe/Berlin",
            "working_hours": [{"weekday": 0, "start": "09:00", "end": "17:00"}],
        },
    )
    keep("calendar_id", calendar["id"])
    holiday = await _created(
        admin,
        f"/api/sla/calendars/{calendar['id']}/holidays",
        {"date": "2025-12-25", "recurring": True, "name": f"Christmas {suffix}"},
    )
    keep("holiday_id", holiday["id"])
    customer = await _created(admin, "/api/tickets/customers", {"company_name": f"Customer {suffix}"})
    keep("customer_id", customer["id"])
    department = await _department(admin, f"Department {suffix}", member_id=admin_id)
    keep("department_id", department["id"])
    contact = await _created(
        admin,
        "/api/tickets/contacts",
        {"email": f"contact-{suffix}@example.com", "department_id": department["id"]},
    )
    keep("contact_id", contact["id"])
    label = await _created(admin, "/api/tickets/labels", {"name": f"label-{suffix}", "color": "#e11d48"})
    keep("label_id", label["id"])
    kind = await _created(admin, "/api/tickets/types", {"name": f"type-{suffix}"})
    keep("type_id", kind["id"])
    template = await _created(
        admin, "/api/tickets/templates", {"name": f"Template {suffix}", "type": "ticket", "body": "<p>Hi</p>"}
    )
    keep("template_id", template["id"])
    ticket = await _created(
        admin,
        "/api/tickets/",
        {
            "title": f"Printer {suffix}",
            "department_id": department["id"],
            "contact_id": contact["id"],
            "label_ids": [label["id"]],
            "type_id": kind["id"],
            "description": {"body": "It does not print.", "body_format": "plain_text"},
        },
    )
    keep("number", ticket["number"])
    keep("ticket_id", ticket["id"])
    entry = await _time_entry(admin, ticket["id"], hour=1 if suffix.startswith("kept") else 3)
    keep("entry_id", entry["id"])
    await _created(
        admin, f"/api/tickets/{ticket['number']}/comments", {"body": "Seen.", "direction": "internal"}
    )
    uploaded = await admin.post(
        f"/api/tickets/{ticket['number']}/attachments",
        params={"name": f"log-{suffix}.txt"},
        content=b"line one\nline two\n",
        headers={"Content-Type": "text/plain"},
    )
    assert uploaded.status_code == 201, uploaded.text
    keep("attachment_id", uploaded.json()["id"])
    role = await _created(admin, "/api/roles", {"name": f"Role {suffix}", "flags": ["tickets_enabled"]})
    keep("role_id", role["id"])
    operator = await _created(
        admin,
        "/api/operators",
        {
            "username": f"agent-{suffix}",
            "email": f"agent-{suffix}@example.com",
            "display_name": f"Agent {suffix}",
            "password": "a long enough password",
            "role_ids": [role["id"]],
        },
    )
    keep("operator_id", operator["id"])
    token = await _created(admin, "/api/auth/tokens", {"name": f"spare {suffix}"})
    keep("token_id", token["id"])


async def seed_itsm(admin: httpx.AsyncClient, *, nats_url: str) -> tuple[Records, Records]:
    """The ITSM records, as `seed`'s: an organisation and a host group (from the inventory contract on
    the bus, the only way they come), an alert source with its integration key and one more whose key
    alone is drawn (for alerts), an assignment group, an incident with a note. Assignment groups and
    host groups share the path parameter `group_id`."""
    kept: Records = {}
    doomed: Records = {}
    run = secrets.token_hex(3)
    for records, suffix in ((kept, f"kept-{run}"), (doomed, f"doomed-{run}")):
        await _seed_itsm_one_of_each(admin, records, suffix, nats_url=nats_url)
    return kept, doomed


async def _seed_itsm_one_of_each(
    admin: httpx.AsyncClient, records: Records, suffix: str, *, nats_url: str
) -> None:
    def keep(name: str, value: str) -> str:
        records.setdefault(name, []).append(value)
        return value

    tenant = InventoryTenant(id=uuid.uuid4(), name=f"Organisation {suffix}")
    host_group = InventoryHostGroup(
        id=uuid.uuid4(), tenant_id=tenant.id, name=f"hosts-{suffix}", criticality="high"
    )
    await _published(
        nats_url,
        InventoryTenantUpserted.build(
            source="contract-test", subject=str(tenant.id), data=InventoryTenantData(tenant=tenant)
        ),
        InventoryHostGroupUpserted.build(
            source="contract-test",
            subject=str(host_group.id),
            data=InventoryHostGroupData(host_group=host_group),
        ),
    )

    async def known(path: str, record_id: uuid.UUID) -> bool:
        listed = await admin.get(path)
        assert listed.status_code == 200, listed.text
        return str(record_id) in {each["id"] for each in listed.json()}

    await eventually(
        lambda: known("/api/itsm/organisations", tenant.id), within=30, what="ITSM to know the organisation"
    )
    await eventually(
        lambda: known("/api/itsm/host-groups", host_group.id), within=30, what="ITSM to know the host group"
    )
    keep("tenant_id", str(tenant.id))
    source = await _created(admin, "/api/itsm/alert-sources", {"name": f"monitor-{suffix}"})
    keep("source_id", source["id"])
    keep("key_id", source["new_key"]["id"])
    keep("routing_key", source["new_key"]["key"])
    # The key of a source the fuzzer cannot disable or delete (no operation draws its id), so that
    # alerts are accepted whatever the operations before them did to the one above.
    intake = await _created(admin, "/api/itsm/alert-sources", {"name": f"{INTAKE_PREFIX}{suffix}"})
    keep("routing_key", intake["new_key"]["key"])
    group = await _created(admin, "/api/itsm/assignment-groups", {"name": f"Team {suffix}"})
    keep("group_id", group["id"])
    keep("group_id", str(host_group.id))
    incident = await _created(
        admin,
        "/api/itsm/incidents",
        {"title": f"Disk full {suffix}", "host": f"db-{suffix}", "assignment_group_id": group["id"]},
    )
    keep("incident_id", incident["id"])
    note = await _created(admin, f"/api/itsm/incidents/{incident['id']}/notes", {"body": "Looking."})
    keep("note_id", note["id"])


async def _published(nats_url: str, *events: EventEnvelope[Any]) -> None:
    client = await nats.connect(nats_url)
    try:
        for event in events:
            await client.jetstream().publish(
                event.bus_subject(), event.to_json(), headers={"Nats-Msg-Id": str(event.id)}
            )
    finally:
        await client.close()
